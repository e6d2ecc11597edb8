// A worker thread of plugin/inventory/parse-pool.ts: parses one document per
// message and answers the Inventory, or the error's code and message.

import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { isDployError } from '../errors.js';
import { parseInventory, type InventoryFormat } from './index.js';

/** How much nicer than the main thread a parse runs (nice levels, as `nice -n`). */
const PARSE_NICENESS = 10;

/**
 * On a machine with fewer cores than busy threads, a worst-case parse would
 * take its core's time slices from the main thread, which answers TFTP and
 * /healthz. Linux applies setpriority() on a thread id to that thread alone
 * (/proc/thread-self names it), so the parse yields to the main thread and
 * keeps every idle cycle. Elsewhere (or if refused) it runs at the process's
 * priority.
 */
function yieldToMainThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + PARSE_NICENESS));
  } catch {
    // not Linux: same priority as the main thread
  }
}

yieldToMainThread();

parentPort!.on('message', (job: { id: number; body: Uint8Array; format: InventoryFormat }) => {
  try {
    parentPort!.postMessage({ id: job.id, inventory: parseInventory(Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength), job.format) });
  } catch (err) {
    const failure = isDployError(err)
      ? { code: err.code, message: err.message }
      : { code: 'DPLOY_ERR_INVENTORY_INVALID', message: String((err as Error).message ?? err) };
    parentPort!.postMessage({ id: job.id, failure });
  }
});

// A worker thread of plugin/inventory/parse-pool.ts: reads one upload per
// message (inflate, digest, parse) and answers the Inventory with the
// document's sha256 and, when it inflated one, the document; or the error's
// code and message.

import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { isDployError } from '../errors.js';
import { readUpload, type Upload } from './upload.js';

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

parentPort!.on('message', (job: { id: number; upload: Omit<Upload, 'raw'> & { raw: Uint8Array } }) => {
  try {
    const { raw } = job.upload;
    const read = readUpload({ ...job.upload, raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) });
    if (!job.upload.gzip) return parentPort!.postMessage({ id: job.id, inventory: read.inventory, sha256: read.sha256 });
    // The inflated document goes back by transfer when it owns its memory, else as a copy.
    const own = read.body.byteOffset === 0 && read.body.byteLength === read.body.buffer.byteLength;
    const body = new Uint8Array(read.body.buffer, read.body.byteOffset, read.body.byteLength);
    parentPort!.postMessage({ id: job.id, inventory: read.inventory, sha256: read.sha256, body }, own ? [read.body.buffer as ArrayBuffer] : []);
  } catch (err) {
    const failure = isDployError(err)
      ? { code: err.code, message: err.message }
      : { code: 'DPLOY_ERR_INVENTORY_INVALID', message: String((err as Error).message ?? err) };
    parentPort!.postMessage({ id: job.id, failure });
  }
});

// A worker thread of plugin/inventory/parse-pool.ts: parses one document per
// message and answers the Inventory, or the error's code and message.

import { parentPort } from 'node:worker_threads';
import { isDployError } from '../errors.js';
import { parseInventory, type InventoryFormat } from './index.js';

parentPort!.on('message', (job: { id: number; body: Uint8Array; format: InventoryFormat }) => {
  try {
    parentPort!.postMessage({ id: job.id, inventory: parseInventory(Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength), job.format) });
  } catch (err) {
    const failure = isDployError(err) ? { code: err.code, message: err.message } : { code: 'DPLOY_ERR_INVENTORY_INVALID', message: String((err as Error).message ?? err) };
    parentPort!.postMessage({ id: job.id, failure });
  }
});

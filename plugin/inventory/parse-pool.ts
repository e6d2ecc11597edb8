// Parses large inventories on worker threads, so that one worst-case document
// (seconds of parsing) does not stall TFTP answers and every other request
// on the event loop. Small ones, nearly all of them, are parsed in place:
// handing a document to a thread costs more than parsing a few KiB.

import type { Worker } from 'node:worker_threads';
import { DployError, type ErrorCode } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import { startWorkerThread } from '../worker-thread.js';
import { parseInventory, type InventoryFormat } from './index.js';

/**
 * From here a document goes to a thread. A usual lshw document (10–300 KiB)
 * parses in 1–10 ms; a crafted one of this size in 50 ms or more
 * (test/bench/inventory-parse.bench.ts), past what a TFTP answer may wait.
 */
export const OFF_LOOP_BYTES = 256 * 1024;

type Answer = { id: number; inventory?: Inventory; failure?: { code: ErrorCode; message: string } };

export interface InventoryParser {
  parse(body: Buffer, format: InventoryFormat): Promise<Inventory>;
  close(): Promise<void>;
}

export function inventoryParser(threads: number, offLoopBytes = OFF_LOOP_BYTES): InventoryParser {
  type Waiting = { resolve: (i: Inventory) => void; reject: (e: Error) => void };
  const workers: Array<{ worker: Worker; waiting: Map<number, Waiting> }> = [];
  let next = 0;
  const start = () => {
    const slot = { worker: startWorkerThread(import.meta.url, 'parse-worker'), waiting: new Map<number, Waiting>() };
    slot.worker.unref();
    slot.worker.on('message', (answer: Answer) => {
      const done = slot.waiting.get(answer.id);
      slot.waiting.delete(answer.id);
      if (answer.inventory) done?.resolve(answer.inventory);
      else done?.reject(new DployError(answer.failure!.code, answer.failure!.message));
    });
    // A thread that dies (out of memory on a crafted document) fails its own parses, and the next parse starts a new one.
    slot.worker.once('exit', (code) => {
      workers.splice(workers.indexOf(slot), 1);
      for (const done of slot.waiting.values())
        done.reject(new DployError('DPLOY_ERR_INVENTORY_INVALID', `the inventory parser thread stopped (exit ${code}) on this document`));
    });
    return slot;
  };
  return {
    parse(body, format) {
      if (threads < 1 || body.length < offLoopBytes) return Promise.resolve().then(() => parseInventory(body, format));
      if (workers.length < threads) workers.push(start());
      const slot = workers.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
      const id = next++;
      return new Promise<Inventory>((resolve, reject) => {
        slot.waiting.set(id, { resolve, reject });
        slot.worker.postMessage({ id, body, format });
      });
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}

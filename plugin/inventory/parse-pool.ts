// Parses large inventories on worker threads, so that one worst-case document
// (seconds of parsing) does not stall TFTP answers and every other request
// on the event loop. Small ones, nearly all of them, are parsed in place:
// handing a document to a thread costs more than parsing a few KiB.

import type { Worker } from 'node:worker_threads';
import { DployError, type ErrorCode } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import { startWorkerThread } from '../worker-thread.js';
import { decodeSmall, expectedBytes, readDocument, readUpload, type ReadUpload, type Upload } from './upload.js';

/**
 * From here a document goes to a thread. A usual lshw document (10–300 KiB)
 * parses in 1–10 ms; a crafted one of this size in 50 ms or more
 * (test/bench/inventory-parse.bench.ts), past what a TFTP answer may wait.
 */
export const OFF_LOOP_BYTES = 256 * 1024;

type Answer = { id: number; inventory?: Inventory; sha256?: string; body?: Uint8Array; failure?: { code: ErrorCode; message: string } };

export interface InventoryParser {
  /** Decodes, digests and parses an upload: on a thread when its document is large, else in place. */
  read(upload: Upload): Promise<ReadUpload>;
  close(): Promise<void>;
}

export function inventoryParser(threads: number, offLoopBytes = OFF_LOOP_BYTES): InventoryParser {
  type Waiting = { upload: Upload; resolve: (read: ReadUpload) => void; reject: (e: Error) => void };
  const workers: Array<{ worker: Worker; waiting: Map<number, Waiting> }> = [];
  let next = 0;
  const start = () => {
    const slot = { worker: startWorkerThread(import.meta.url, 'parse-worker'), waiting: new Map<number, Waiting>() };
    slot.worker.unref();
    slot.worker.on('message', (answer: Answer) => {
      const done = slot.waiting.get(answer.id);
      slot.waiting.delete(answer.id);
      if (!done) return;
      // An inflated document comes back as the thread's own buffer (transferred, not copied).
      const body = answer.body ? Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength) : done.upload.raw;
      if (answer.inventory) done.resolve({ inventory: answer.inventory, sha256: answer.sha256!, body });
      else done.reject(new DployError(answer.failure!.code, answer.failure!.message));
    });
    // A thread that dies (out of memory on a crafted document) fails its own parses, and the next parse starts a new one.
    slot.worker.once('exit', (code) => {
      workers.splice(workers.indexOf(slot), 1);
      for (const done of slot.waiting.values())
        done.reject(new DployError('DPLOY_ERR_INVENTORY_INVALID', `the inventory parser thread stopped (exit ${code}) on this document`));
    });
    return slot;
  };
  const onThread = (upload: Upload) => {
    if (workers.length < threads) workers.push(start());
    const slot = workers.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const id = next++;
    return new Promise<ReadUpload>((resolve, reject) => {
      slot.waiting.set(id, { upload, resolve, reject });
      slot.worker.postMessage({ id, upload });
    });
  };
  return {
    async read(upload) {
      if (threads < 1) return readUpload(upload);
      if (expectedBytes(upload) >= offLoopBytes) return onThread(upload);
      // Inflated here only up to the threshold: a gzip trailer that understated the size sends the upload to a thread.
      const body = decodeSmall(upload, offLoopBytes);
      return body ? readDocument(body, upload.format) : onThread(upload);
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}

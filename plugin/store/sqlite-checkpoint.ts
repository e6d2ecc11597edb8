// SQLite in WAL mode copies the log back into the database file (a
// checkpoint) at the commit that finds the log past 1000 pages: that commit
// then writes megabytes and waits for two fsyncs, on the event loop, while
// TFTP answers wait behind it (tens of ms with inventories being posted,
// docs/benchmarks.md tftp-load). For `dploy serve` the connection's
// own checkpoints are turned off and a thread with a connection of its own
// checkpoints instead (sqlite-checkpoint-worker.ts). A PASSIVE checkpoint
// takes no writer lock, so commits go on meanwhile, and once it has copied
// the whole log the next commit starts the log over: the file stays small
// as long as writes pause now and then (commits that never pause for a whole
// second would grow it until they do). Should the thread die, the connection
// checkpoints itself again.

import type { Worker } from 'node:worker_threads';
import type { Store } from './database.js';
import { startWorkerThread } from '../worker-thread.js';

/** SQLite's default (PRAGMA wal_autocheckpoint), restored if the thread stops. */
const AUTOCHECKPOINT_PAGES = 1000;

export interface CheckpointResult {
  /** Frames in the log, and how many of them are now in the database file (SQLite's wal_checkpoint answer). */
  log: number;
  checkpointed: number;
}

export interface WalCheckpointer {
  /** Checkpoints done so far, the last one's result. */
  last(): { count: number; result?: CheckpointResult };
  /** Stops the thread and gives checkpoints back to the connection: call before the store closes, so its close removes the log. */
  close(): Promise<void>;
}

type Pragma = { pragma(sql: string): unknown };

/** Undefined for other databases and for an in-memory SQLite (no log file). */
export function startWalCheckpointer(store: Store, onError: (err: Error) => void, everyMs = 1000): WalCheckpointer | undefined {
  if (store.target.dialect !== 'sqlite' || store.target.location === ':memory:') return undefined;
  const connection = (store.db.driver as unknown as { databaseConnection: Pragma }).databaseConnection;
  const worker: Worker = startWorkerThread(import.meta.url, 'sqlite-checkpoint-worker', { workerData: { file: store.target.location, everyMs } });
  worker.unref();
  connection.pragma('wal_autocheckpoint = 0');
  let count = 0;
  let result: CheckpointResult | undefined;
  let closing = false;
  worker.on('message', (message: CheckpointResult | { error: string }) => {
    if ('error' in message) return onError(new Error(`the WAL checkpoint thread: ${message.error}`));
    count++;
    result = message;
  });
  worker.on('error', onError);
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      if (!closing) onError(new Error('the WAL checkpoint thread stopped; the database connection checkpoints on its own again'));
      if (store.db.isInitialized) connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      resolve();
    }),
  );
  return {
    last: () => ({ count, ...(result ? { result } : {}) }),
    async close() {
      closing = true;
      worker.ref(); // an unreferenced thread would let the process end while close() waits for it
      worker.postMessage('close');
      await exited;
    },
  };
}

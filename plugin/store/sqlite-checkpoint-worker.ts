// The thread of sqlite-checkpoint.ts: its own connection to the SQLite file,
// a PASSIVE checkpoint every `everyMs` (it waits for no one, and when the log
// has nothing new it only reads the log's index), each result posted back;
// any message from the parent closes it.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, everyMs } = workerData as { file: string; everyMs: number };
const db = new Database(file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');

const timer = setInterval(() => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (row) parentPort!.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
}, everyMs);

// Closed here rather than torn down, so that the server's own connection is the last one and its close removes the log.
parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});

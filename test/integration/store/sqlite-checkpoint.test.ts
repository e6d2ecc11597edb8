// `dploy serve`'s SQLite connection leaves WAL checkpoints (megabytes written
// and fsynced inside a commit, on the event loop) to a thread of their own
// (plugin/store/sqlite-checkpoint.ts). What must hold: commits never
// checkpoint, yet the log does not grow without bound, and closing leaves no
// log behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../../plugin/store/database.js';
import { startWalCheckpointer, type WalCheckpointer } from '../../../plugin/store/sqlite-checkpoint.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MIB = 1024 * 1024;

async function withStore(run: (store: Store, file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-sqlite-ckpt-'));
  const file = join(dir, 'dploy.sqlite');
  const store = await openStore(`sqlite:${file}`);
  try {
    await store.db.query('CREATE TABLE blobs (b BLOB NOT NULL)');
    await run(store, file);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 200 commits of 64 KiB each (12.5 MiB, 3,200 pages): past SQLite's 1000-page checkpoint many times over. */
async function writeMuch(store: Store): Promise<void> {
  for (let i = 0; i < 200; i++) await store.db.transaction((tx) => tx.query('INSERT INTO blobs VALUES (randomblob(65536))'));
}

/** Waits for a checkpoint, begun after this call, that found every frame of the log copied. */
async function wholeLogCheckpointed(checkpointer: WalCheckpointer): Promise<void> {
  await sleep(50); // the reports the thread sent while the commits held the event loop arrive first
  const before = checkpointer.last().count;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { count, result } = checkpointer.last();
    if (count > before + 1 && result && result.log > 0 && result.checkpointed === result.log) return;
    if (Date.now() > deadline) assert.fail(`no checkpoint copied the whole log within 20 s (last: ${JSON.stringify(result)})`);
    await sleep(10);
  }
}

test('with the checkpoint thread, commits do not checkpoint and the thread keeps the log small', async () => {
  await withStore(async (store, file) => {
    const errors: Error[] = [];
    const checkpointer = startWalCheckpointer(store, (err) => errors.push(err), 20)!;
    try {
      assert.deepEqual(await store.db.query('PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: 0 }]);
      // The thread loads its module first (seconds from TypeScript sources on a busy machine).
      while (checkpointer.last().count === 0) await sleep(10);
      let largest = 0;
      // Bursts of writes with pauses, as posts come: the thread copies the whole log in a pause, and the next commit starts it over.
      for (let round = 0; round < 4; round++) {
        await writeMuch(store);
        largest = Math.max(largest, statSync(`${file}-wal`).size);
        await wholeLogCheckpointed(checkpointer);
      }
      // Without the thread the log would hold all 50 MiB.
      assert.ok(largest < 20 * MIB, `the log grew to ${(largest / MIB).toFixed(1)} MiB`);
      assert.deepEqual(errors, []);
    } finally {
      await checkpointer.close();
    }
    assert.deepEqual(await store.db.query('PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: 1000 }], 'closed, the connection checkpoints itself again');
  });
});

test('the store closed after its checkpoint thread leaves no log behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-sqlite-ckpt-'));
  const file = join(dir, 'dploy.sqlite');
  try {
    const store = await openStore(`sqlite:${file}`);
    const checkpointer = startWalCheckpointer(store, () => undefined, 20)!;
    await store.db.query('CREATE TABLE blobs (b BLOB NOT NULL)');
    await writeMuch(store);
    await checkpointer.close();
    await store.close();
    assert.equal(existsSync(`${file}-wal`), false);
    const reopened = await openStore(`sqlite:${file}`);
    assert.deepEqual(await reopened.db.query('SELECT COUNT(*) AS n FROM blobs'), [{ n: 200 }]);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no checkpoint thread for an in-memory SQLite', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    assert.equal(
      startWalCheckpointer(store, () => undefined),
      undefined,
    );
  } finally {
    await store.close();
  }
});

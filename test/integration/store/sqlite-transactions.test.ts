// SQLite has one connection under typeorm: without plugin/store/sqlite-transactions.ts,
// a transaction begun while another is open becomes a savepoint inside it, and a
// failing one takes the other's writes with it. These cases are what a user would
// lose: two machines' posts or a runner tick and an agent callback at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../../plugin/store/database.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withStore(run: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-sqlite-tx-'));
  const store = await openStore(`sqlite:${join(dir, 'dploy.sqlite')}`);
  try {
    await store.db.query('CREATE TABLE probe (v TEXT NOT NULL)');
    await run(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const values = async (store: Store) => ((await store.db.query('SELECT v FROM probe ORDER BY v')) as Array<{ v: string }>).map((r) => r.v);

test('a transaction that fails does not take a concurrent one with it', async () => {
  await withStore(async (store) => {
    const failing = store.db.transaction(async (tx) => {
      await tx.query("INSERT INTO probe VALUES ('a')");
      await sleep(50);
      throw new Error('a fails');
    });
    const other = store.db.transaction(async (tx) => {
      await sleep(10);
      await tx.query("INSERT INTO probe VALUES ('b')");
      await sleep(80);
    });
    const [a, b] = await Promise.allSettled([failing, other]);
    assert.equal(a.status, 'rejected');
    assert.equal((a as PromiseRejectedResult).reason.message, 'a fails');
    assert.equal(b.status, 'fulfilled', `the other transaction committed: ${String((b as PromiseRejectedResult).reason)}`);
    assert.deepEqual(await values(store), ['b']);
  });
});

test('a plain write made while a transaction is open survives that transaction rolling back', async () => {
  await withStore(async (store) => {
    const failing = store.db.transaction(async (tx) => {
      await tx.query("INSERT INTO probe VALUES ('a')");
      await sleep(50);
      throw new Error('a fails');
    });
    await sleep(10);
    await store.db.query("INSERT INTO probe VALUES ('plain')");
    await assert.rejects(failing, /a fails/);
    assert.deepEqual(await values(store), ['plain']);
  });
});

test('work inside a transaction may open a nested one (a savepoint) without waiting for itself', async () => {
  await withStore(async (store) => {
    await store.db.transaction(async (tx) => {
      await tx.query("INSERT INTO probe VALUES ('outer')");
      await store.db.transaction(async (inner) => inner.query("INSERT INTO probe VALUES ('inner')"));
      assert.deepEqual(((await store.db.query('SELECT v FROM probe ORDER BY v')) as Array<{ v: string }>).length, 2);
    });
    assert.deepEqual(await values(store), ['inner', 'outer']);
  });
});

test('work a finished transaction left behind (a timer) queues like anyone else', async () => {
  await withStore(async (store) => {
    let late: Promise<unknown> | undefined;
    await store.db.transaction(async (tx) => {
      await tx.query("INSERT INTO probe VALUES ('a')");
      setTimeout(() => (late = store.db.query("INSERT INTO probe VALUES ('late')")), 30);
    });
    const failing = store.db.transaction(async (tx) => {
      await tx.query("INSERT INTO probe VALUES ('b')");
      await sleep(60);
      throw new Error('b fails');
    });
    await assert.rejects(failing, /b fails/);
    await late;
    assert.deepEqual(await values(store), ['a', 'late']);
  });
});

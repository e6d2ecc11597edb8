// SQLite through typeorm's better-sqlite3 driver has one connection, and
// typeorm runs a db.transaction() begun while another is open as a SAVEPOINT
// inside it: two requests' transactions interleave, and one's rollback or
// commit takes the other's writes with it (or fails it with "cannot start a
// transaction within a transaction"); a plain query run meanwhile becomes part
// of the open transaction and is lost if that one rolls back.
// test/integration/store/sqlite-transactions.test.ts shows both.
//
// SQLite has one writer anyway, so dploy runs them one after another: root
// transactions queue behind each other, and a query from outside the open
// transaction waits for it to end. Work inside a transaction (its own async
// context) goes straight through, so a nested transaction stays typeorm's
// savepoint.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

export function runTransactionsOneAtATime(db: DataSource): void {
  // The transaction whose work this async context is; `open` turns false when it ends, so work it left
  // behind (a timer, an unawaited promise) queues like anyone else's.
  const inside = new AsyncLocalStorage<{ open: boolean }>();
  const within = () => inside.getStore()?.open === true;
  let tail: Promise<unknown> = Promise.resolve();
  const manager = db.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  manager.transaction = ((...args: unknown[]) => {
    if (within()) return transaction(...args);
    const run = tail.then(() => {
      const state = { open: true };
      return inside.run(state, () => transaction(...args)).finally(() => (state.open = false));
    });
    tail = run.catch(() => undefined);
    return run;
  }) as EntityManager['transaction'];

  // The driver hands every caller this same runner.
  const runner: QueryRunner = db.createQueryRunner();
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  runner.query = (async (...args: unknown[]) => {
    while (runner.isTransactionActive && !within()) await tail;
    return query(...args);
  }) as QueryRunner['query'];
}

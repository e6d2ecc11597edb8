// dploy_login_failures: failed console logins per user name and client
// address, with the time before which that pair's next password is not even
// checked (the policy is web/console/login-throttle.ts's). Kept in the
// database, so that restarting dploy does not hand an attacker a fresh count.

import { LessThan, type EntityManager } from 'typeorm';
import { isLockConflict, retryWhile } from './database-errors.js';
import { isUniqueViolation } from './unique-retry.js';

interface LoginFailureRow {
  user_name: string;
  address: string;
  failures: number;
  wait_until: Date | string;
  failed_at: Date | string;
}

export interface LoginFailures {
  failures: number;
  waitUntil: Date;
}

const repo = (db: EntityManager) => db.getRepository<LoginFailureRow>('LoginFailure');
const pair = (user: string, address: string) => ({ user_name: user.toLowerCase().slice(0, 64), address: address.slice(0, 64) });

export async function findLoginFailures(db: EntityManager, user: string, address: string): Promise<LoginFailures | undefined> {
  const row = await repo(db).findOneBy(pair(user, address));
  return row ? { failures: Number(row.failures), waitUntil: new Date(row.wait_until) } : undefined;
}

/**
 * Counts one more failure for the pair and stores the wait `waitFor` gives for
 * the new count. Two failures at the same moment both count: the row is
 * locked, and the transaction that loses a race for a new row (the unique
 * key, or InnoDB's deadlock between two gap locks) runs again and takes the
 * update path.
 */
export async function countLoginFailure(
  db: EntityManager,
  user: string,
  address: string,
  waitFor: (failures: number) => number,
  now = new Date(),
): Promise<number> {
  const raced = (err: unknown) => isUniqueViolation(err) || isLockConflict(err);
  return retryWhile(
    raced,
    () =>
      db.transaction(async (tx) => {
        const key = pair(user, address);
        // SQLite has one writer at a time and no row locks.
        const lock = tx.connection.options.type === 'better-sqlite3' ? {} : { lock: { mode: 'pessimistic_write' as const } };
        const row = await repo(tx).findOne({ where: key, ...lock });
        const failures = (row ? Number(row.failures) : 0) + 1;
        const values = { failures, wait_until: new Date(now.getTime() + waitFor(failures)), failed_at: now };
        if (row) await repo(tx).update(key, values);
        else await repo(tx).insert({ ...key, ...values });
        return failures;
      }),
    4,
  );
}

export async function clearLoginFailures(db: EntityManager, user: string, address: string): Promise<void> {
  await repo(db).delete(pair(user, address));
}

/** Forgets pairs whose last failure is older than `before`: a count that old no longer says anyone is guessing. */
export async function forgetLoginFailures(db: EntityManager, before: Date): Promise<void> {
  await repo(db).delete({ failed_at: LessThan(before) });
}

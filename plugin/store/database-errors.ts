// What a database driver's error means for the caller, by its code (mysql2's
// `code`, PostgreSQL's SQLSTATE, node's errno names), looked for through
// typeorm's wrappers:
//   - a lock conflict (InnoDB deadlock or lock wait timeout, PostgreSQL
//     serialization failure or deadlock, SQLite busy) is nobody's fault: run
//     the transaction again at once;
//   - an outage (connection refused, lost, server shutting down) is the
//     operator's to fix: 503 with the reason, never 500.

import { DployError } from '../errors.js';

const LOCK_CONFLICTS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', '40001', '40P01', 'SQLITE_BUSY']);
const OUTAGES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_BAD_DB_ERROR',
  '57P01',
  '57P02',
  '57P03',
  '3D000',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** The first driver code in the chain (the error, its driverError, its cause …). */
export function driverCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('DPLOY_')) return code;
    current = (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isLockConflict(err: unknown): boolean {
  const code = driverCode(err);
  return code !== undefined && LOCK_CONFLICTS.has(code);
}

/** A 503 DployError naming the failure when `err` is a database outage, else undefined. */
export function databaseOutage(err: unknown): DployError | undefined {
  const code = driverCode(err);
  if (code === undefined || !OUTAGES.has(code)) return undefined;
  return new DployError(
    'DPLOY_ERR_DATABASE_UNREACHABLE',
    `the database is unreachable (${code}: ${(err as Error).message.slice(0, 200)}); try again once it is back`,
    { cause: err },
  );
}

/** A lock conflict that outlasted retryOnLockConflict, as the 503 the client retries on. */
export function lockConflictRefusal(err: unknown): DployError | undefined {
  if (!isLockConflict(err)) return undefined;
  return new DployError('DPLOY_ERR_DATABASE_BUSY', `the database kept refusing a lock (${driverCode(err)}); try again`, { cause: err });
}

/**
 * Runs `work` (one whole transaction) again on a lock conflict, after a short
 * random wait so that the two sides do not meet again; the last conflict is
 * thrown as it is.
 */
export function retryOnLockConflict<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  return retryWhile(isLockConflict, work, attempts, (attempt) => Math.random() * 10 * 2 ** attempt);
}

/** Runs `work` again while it throws what `retryable` accepts, `attempts` times at most, `pauseMs` between. */
export async function retryWhile<T>(
  retryable: (err: unknown) => boolean,
  work: () => Promise<T>,
  attempts: number,
  pauseMs: (attempt: number) => number = () => 0,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      const pause = pauseMs(attempt);
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

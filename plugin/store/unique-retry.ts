// Two machines (or one machine twice) posting at the same moment can race
// for the same name or MAC: both transactions see it free, one commit wins,
// the other hits the unique key. Running the loser again lets it see the
// winner's row and take the update path or another name.

import { driverCode, retryWhile } from './database-errors.js';

const UNIQUE_VIOLATIONS = new Set(['ER_DUP_ENTRY', '23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export function isUniqueViolation(err: unknown): boolean {
  const code = driverCode(err);
  return code !== undefined && UNIQUE_VIOLATIONS.has(code);
}

export function retryOnUniqueViolation<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  return retryWhile(isUniqueViolation, work, attempts);
}

// Failed console logins are counted per user name and client address: after
// 5 failures in a row that pair waits 1 minute, doubling with each further
// failure up to 15 minutes (OWASP's advice; no account is locked for everyone,
// so nobody can lock an operator out from elsewhere). The counts live in
// dploy_login_failures (store/login-failures.ts): a restart forgets nothing,
// and several dploy servers on one database share them.

import type { EntityManager } from 'typeorm';
import { clearLoginFailures, countLoginFailure, findLoginFailures, forgetLoginFailures } from '../../store/login-failures.js';

export const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 60_000;
const LONGEST_WAIT_MS = 15 * 60_000;
/** A pair whose last failure is this old starts again from zero: a day without trying is nobody guessing. */
const FORGET_AFTER_MS = 24 * 3600_000;

export function waitAfter(failures: number): number {
  return failures < FREE_FAILURES ? 0 : Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - FREE_FAILURES));
}

export class LoginThrottle {
  constructor(
    private readonly db: EntityManager,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this pair must still wait before a password is even checked; 0: go ahead. */
  async waitMs(user: string, address: string): Promise<number> {
    const entry = await findLoginFailures(this.db, user, address);
    return entry ? Math.max(0, entry.waitUntil.getTime() - this.now()) : 0;
  }

  async failed(user: string, address: string): Promise<void> {
    const now = this.now();
    await countLoginFailure(this.db, user, address, waitAfter, new Date(now));
    // The table stays as small as the last day's failures, however many names are tried.
    await forgetLoginFailures(this.db, new Date(now - FORGET_AFTER_MS));
  }

  async succeeded(user: string, address: string): Promise<void> {
    await clearLoginFailures(this.db, user, address);
  }
}

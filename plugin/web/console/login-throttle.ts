// Failed console logins are counted per user name and client address: after
// 5 failures in a row that pair waits 1 minute, doubling with each further
// failure up to 15 minutes (OWASP's advice; no account is locked for everyone,
// so nobody can lock an operator out from elsewhere). Kept in memory: a
// restart forgets, which costs an attacker nothing they could not get by waiting.

export const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 60_000;
const LONGEST_WAIT_MS = 15 * 60_000;
/** Pairs remembered at most; the oldest are forgotten first. */
const REMEMBERED = 10_000;

interface Failures {
  count: number;
  until: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds this pair must still wait before a password is even checked; 0: go ahead. */
  waitMs(user: string, address: string): number {
    const entry = this.failures.get(key(user, address));
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  failed(user: string, address: string): void {
    const k = key(user, address);
    const count = (this.failures.get(k)?.count ?? 0) + 1;
    const wait = count < FREE_FAILURES ? 0 : Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (count - FREE_FAILURES));
    this.failures.delete(k);
    this.failures.set(k, { count, until: this.now() + wait });
    if (this.failures.size > REMEMBERED) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(user: string, address: string): void {
    this.failures.delete(key(user, address));
  }
}

const key = (user: string, address: string) => `${user.toLowerCase()}\u0000${address}`;

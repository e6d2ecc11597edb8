// A transfer's retransmission timer: it expires when `interval` ms pass
// without a send, and costs a plain assignment per packet.
//
// Refreshing a Node timer on every DATA packet asks libuv for the time
// (uv_update_time → clock_gettime, slow on a VM): perf put it at ~6 % of a
// transfer worker's CPU in a lock-step storm. Instead a send notes a coarse
// per-thread clock, read once every CLOCK_RESOLUTION_MS while any transfer
// runs, and the timer, when it fires, sets itself again for what is left of
// the interval if something was sent meanwhile. A retransmission so leaves at
// most CLOCK_RESOLUTION_MS late, and never early.

import { performance } from 'node:perf_hooks';

export const CLOCK_RESOLUTION_MS = 20;

class CoarseClock {
  /** Milliseconds, at most CLOCK_RESOLUTION_MS behind the real time while held. */
  now = performance.now();
  private holders = 0;
  private ticker: NodeJS.Timeout | undefined;

  hold(): void {
    if (this.holders++ > 0) return;
    this.now = performance.now();
    this.ticker = setInterval(() => (this.now = performance.now()), CLOCK_RESOLUTION_MS);
    this.ticker.unref(); // the transfers' own timers keep the process alive, not the clock
  }

  release(): void {
    if (--this.holders > 0) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** The exact time, for a timer that fires (rare, unlike sends). */
  read(): number {
    this.now = performance.now();
    return this.now;
  }
}

/** One per thread: each worker thread loads its own copy of this module. */
const clock = new CoarseClock();

export class RetransmitTimer {
  private interval = 0;
  private lastSent = clock.now;
  /** How long the pending timeout was set for; undefined when none is pending. */
  private pendingFor: number | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly expire: () => void) {
    clock.hold();
  }

  /**
   * A packet left: expire after `interval` ms without another. A new timeout
   * is set only when none is pending or the pending one is too late (the
   * interval fell back from a backoff when an ACK came).
   */
  sent(interval: number): void {
    this.interval = interval;
    this.lastSent = clock.now;
    if (this.pendingFor === undefined || interval < this.pendingFor) this.set(interval);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timeout);
    clock.release();
  }

  private set(ms: number): void {
    clearTimeout(this.timeout);
    this.pendingFor = ms;
    this.timeout = setTimeout(() => this.onFire(), ms);
  }

  /** The last send may be up to one resolution later than its reading: count from the latest it could be. */
  private onFire(): void {
    this.pendingFor = undefined;
    if (this.stopped) return;
    const quiet = clock.read() - this.lastSent - CLOCK_RESOLUTION_MS;
    if (quiet >= this.interval) return this.expire();
    this.set(this.interval - Math.max(quiet, 0));
  }
}

// A coarse clock for the retransmission timers of one thread's transfers.
//
// Refreshing a Node timer on every DATA packet asks libuv for the time
// (uv_update_time → clock_gettime, slow on a VM): perf put it at ~6 % of a
// transfer worker's CPU in a lock-step storm. Instead a transfer notes this
// clock's reading (a plain number) when it sends, and its timer, when it
// fires, re-arms for what is left of the interval if something was sent
// meanwhile. The clock reads the time once every RESOLUTION_MS while any
// transfer holds it, so a retransmission leaves at most that much late.

import { performance } from 'node:perf_hooks';

export const CLOCK_RESOLUTION_MS = 20;

class RetransmitClock {
  /** Milliseconds, at most CLOCK_RESOLUTION_MS behind the real time while held. */
  now = performance.now();
  private holders = 0;
  private ticker: NodeJS.Timeout | undefined;

  /** A transfer starts: keep the reading current. */
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
export const retransmitClock = new RetransmitClock();

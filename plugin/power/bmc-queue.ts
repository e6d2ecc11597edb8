// One command in flight per BMC, and a rest between two commands to the same
// BMC, its driver's (power-policy.ts: IPMI's 5 s, as Ironic keeps, because
// faster "may crash the BMC"). Different BMCs never wait for each other.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class BmcQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lastEnd = new Map<string, number>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly minIntervalMs: number,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  /** Runs fn when this BMC has no command in flight and has rested restMs (its driver's) since the last one. */
  run<T>(key: string, fn: () => Promise<T>, restMs = this.minIntervalMs): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const mine = previous
      .catch(() => undefined)
      .then(async () => {
        const last = this.lastEnd.get(key);
        if (last !== undefined) {
          const wait = last + restMs - this.clock.now();
          if (wait > 0) await this.clock.sleep(wait);
        }
        if (this.inFlight.has(key)) throw new Error(`BmcQueue: two commands in flight for ${key}`);
        this.inFlight.add(key);
        try {
          return await fn();
        } finally {
          this.inFlight.delete(key);
          this.lastEnd.set(key, this.clock.now());
        }
      });
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget idle BMCs so a long-running server does not keep every BMC it ever saw.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }
}

// Boot storms in waves: when many machines are to be powered on for a boot,
// at most a wave's size start per wave and a wave opens every `intervalMs`,
// so a rack does not ask one TFTP server for its loader and kernel all at
// once. The size is the operator's (power.waveSize) or measured: what the
// boot services served at their busiest against what this machine's install
// fetches (wave-size.ts), judged for each machine as it takes its place.
// Wave k opens at start + k × interval; a wave that is full sends the caller
// to the next one's opening. After a quiet spell the count starts again.
// Per process, like the BMC queue: runners on other hosts keep their own.

import { REAL_CLOCK, type Clock } from './bmc-queue.js';
import { waveSize, type ServedPeak, type WaveBounds, type WaveSize } from './wave-size.js';

export type WaveSlot = ({ ok: true; wave: number } | { ok: false; wave: number; opensAt: number }) & { size: WaveSize };

export interface WavePolicy extends WaveBounds {
  intervalMs: number;
}

export class BootWaves {
  private start = Number.NEGATIVE_INFINITY;
  private wave = 0;
  private taken = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly policy: WavePolicy,
    /** The boot services' busiest rate (served-rate.ts); none: sizes are the operator's or the default. */
    private readonly peak: () => ServedPeak | undefined = () => undefined,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  /**
   * A place in the wave open now, or the wave to wait for and when it opens, for a machine whose install
   * fetches `fetchBytes` (unknown: undefined, or a lookup that fails). Places are given in call order even
   * when the lookups end in another: the machines of a batch queue in the order they were claimed.
   */
  take(fetchBytes?: number | Promise<number | undefined>): Promise<WaveSlot> {
    // Caught at once: a lookup failing while earlier places are still given must not go unhandled.
    const bytes = Promise.resolve(fetchBytes).catch(() => undefined);
    const slot = this.queue.then(async () => this.place(waveSize(this.policy, this.policy.intervalMs, this.peak(), await bytes)));
    this.queue = slot.catch(() => undefined);
    return slot;
  }

  describe(slot: WaveSlot): string {
    return `${slot.size.size} machines every ${Math.round(this.policy.intervalMs / 1000)} s: ${slot.size.reason}`;
  }

  private place(size: WaveSize): WaveSlot {
    const now = this.clock.now();
    const interval = this.policy.intervalMs;
    const current = Math.floor((now - this.start) / interval);
    if (current > this.wave + 1 || this.start === Number.NEGATIVE_INFINITY) {
      // Nothing started for a whole wave: the next machine opens wave 1 now.
      this.start = now;
      this.wave = 0;
      this.taken = 0;
    } else if (current > this.wave) {
      this.wave = current;
      this.taken = 0;
    }
    if (this.taken < size.size) {
      this.taken++;
      return { ok: true, wave: this.wave + 1, size };
    }
    return { ok: false, wave: this.wave + 2, opensAt: this.start + (this.wave + 1) * interval, size };
  }
}

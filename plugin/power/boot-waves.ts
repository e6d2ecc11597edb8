// Boot storms in waves: when many machines are to be powered on for a boot,
// at most `size` start per wave and a wave opens every `intervalMs`, so a
// rack does not ask one TFTP server for its loader and kernel all at once.
// Wave k opens at start + k × interval; a wave that is full sends the caller
// to the next one's opening. After a quiet spell the count starts again.
// Per process, like the BMC queue: runners on other hosts keep their own.

import { REAL_CLOCK, type Clock } from './bmc-queue.js';

export type WaveSlot = { ok: true; wave: number } | { ok: false; wave: number; opensAt: number };

export interface WavePolicy {
  size: number;
  intervalMs: number;
}

export class BootWaves {
  private start = Number.NEGATIVE_INFINITY;
  private wave = 0;
  private taken = 0;

  constructor(
    readonly policy: WavePolicy,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  /** A place in the wave open now, or the wave to wait for and when it opens. */
  take(): WaveSlot {
    const now = this.clock.now();
    const current = Math.floor((now - this.start) / this.policy.intervalMs);
    if (current > this.wave + 1 || this.start === Number.NEGATIVE_INFINITY) {
      // Nothing started for a whole wave: the next machine opens wave 1 now.
      this.start = now;
      this.wave = 0;
      this.taken = 0;
    } else if (current > this.wave) {
      this.wave = current;
      this.taken = 0;
    }
    if (this.taken < this.policy.size) {
      this.taken++;
      return { ok: true, wave: this.wave + 1 };
    }
    return { ok: false, wave: this.wave + 2, opensAt: this.start + (this.wave + 1) * this.policy.intervalMs };
  }

  describe(): string {
    return `${this.policy.size} machines every ${Math.round(this.policy.intervalMs / 1000)} s`;
  }
}

// The boot services' measured capacity: what TFTP and HTTP (boot files,
// mirror) have sent, sampled once a second from their running byte totals;
// the highest one-second rate among the last samples in which anything was
// served is the figure boot waves are sized from (wave-size.ts). Only busy
// seconds are kept, so a quiet night does not forget what the last storm
// showed; a restarted process starts without a measure.

import type { ServedPeak } from './wave-size.js';

/** Running totals of bytes sent since the services started (they only grow). */
export interface ServedTotals {
  tftp: number;
  http: number;
}

/** Busy seconds kept: ten minutes of serving. */
const KEPT = 600;

interface Sample {
  tftp: number;
  http: number;
}

export class ServedRate {
  private last: { at: number; totals: ServedTotals } | undefined;
  private readonly busy: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => ServedTotals,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Samples every `everyMs` until stop(); the timer does not keep the process alive. */
  start(everyMs = 1000): void {
    this.sample();
    this.timer ??= setInterval(() => this.sample(), everyMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the totals and keeps the rate since the previous read when anything was sent. */
  sample(): void {
    const at = this.now();
    const totals = this.read();
    const last = this.last;
    this.last = { at, totals };
    if (!last || at <= last.at) return;
    const seconds = (at - last.at) / 1000;
    // A total that went down is a restarted service: that interval says nothing.
    const tftp = totals.tftp - last.totals.tftp;
    const http = totals.http - last.totals.http;
    if (tftp < 0 || http < 0 || tftp + http === 0) return;
    this.busy.push({ tftp: tftp / seconds, http: http / seconds });
    if (this.busy.length > KEPT) this.busy.shift();
  }

  /** The busiest kept second, or undefined before anything was served. */
  peak(): ServedPeak | undefined {
    let best: Sample | undefined;
    for (const s of this.busy) if (!best || s.tftp + s.http > best.tftp + best.http) best = s;
    if (!best) return undefined;
    return { bytesPerSecond: best.tftp + best.http, by: best.http === 0 ? 'TFTP' : best.tftp === 0 ? 'HTTP' : 'TFTP and HTTP' };
  }
}

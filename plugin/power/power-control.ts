// Everything every driver needs and no driver does itself (the MAAS way, in
// one place): one command at a time per BMC, retry only what is retryable,
// verify the machine's state after each action with growing waits ("the BMC
// said yes" is not "the machine is on"), never cycle a machine that is off.

import { DployError, isDployError } from '../errors.js';
import { BmcQueue, REAL_CLOCK, type Clock } from './bmc-queue.js';
import { bmcKey, type BmcTarget, type Firmware, type PowerAction, type PowerDriver, type PowerDriverName, type PowerState } from './driver.js';

export interface PowerPolicy {
  /** Bound on one driver call (ipmitool's -N/-R come from it). */
  callBudgetMs: number;
  /** Waits before each retry of a retryable error; its length is the number of retries. */
  retryWaitsMs: readonly number[];
  /** Waits before each re-read of the power state after an action (MAAS: 4, 8, 16, 32 s). */
  verifyWaitsMs: readonly number[];
  /** Rest between two commands to the same BMC (Ironic: >= 5 s on hardware). */
  minIntervalMs: number;
}

export const DEFAULT_POWER_POLICY: PowerPolicy = {
  callBudgetMs: 6000,
  retryWaitsMs: [2000, 4000, 8000],
  // 30 s in all: the whole action must end inside the job's lease (runner.leaseSeconds, 60 s by default).
  verifyWaitsMs: [2000, 4000, 8000, 16000],
  minIntervalMs: 5000,
};

/** What was done, in words for the job's status and event log. */
export interface PowerOutcome {
  state: PowerState;
  /** The command actually sent, or none when the machine was already there. */
  sent: PowerAction | 'none';
  message: string;
}

export type PowerDrivers = Readonly<Partial<Record<PowerDriverName, PowerDriver>>>;

export class PowerControl {
  private readonly queue: BmcQueue;

  constructor(
    private readonly drivers: PowerDrivers,
    private readonly policy: PowerPolicy = DEFAULT_POWER_POLICY,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.queue = new BmcQueue(policy.minIntervalMs, clock);
  }

  status(bmc: BmcTarget): Promise<PowerState> {
    return this.call(bmc, (d, budget) => d.status(bmc, budget));
  }

  async power(bmc: BmcTarget, action: PowerAction): Promise<PowerOutcome> {
    const before = await this.status(bmc);
    if (action === 'on' || action === 'off') {
      if (before === action) return { state: before, sent: 'none', message: `already ${action}` };
      return this.actAndVerify(bmc, action, action);
    }
    // A cycle or reset of a machine that is off fails on real BMCs (completion code 0xD5): power it on instead.
    if (before === 'off') return this.actAndVerify(bmc, 'on', 'on', `was off, so powered on instead of ${action}`);
    return this.actAndVerify(bmc, action, 'on');
  }

  /** The boot step of install/discover: next boot from the network, then cycle (or on, if off). */
  async bootFromNetwork(bmc: BmcTarget, firmware: Firmware): Promise<PowerOutcome> {
    await this.call(bmc, (d, budget) => d.pxeOnce(bmc, firmware, budget));
    const outcome = await this.power(bmc, 'cycle');
    return { ...outcome, message: `next boot set to PXE once (${firmware}); ${outcome.message}` };
  }

  private async actAndVerify(bmc: BmcTarget, action: PowerAction, expect: PowerState, words?: string): Promise<PowerOutcome> {
    await this.call(bmc, (d, budget) => d.act(bmc, action, budget));
    let seen: PowerState | undefined;
    for (const wait of this.policy.verifyWaitsMs) {
      await this.clock.sleep(wait);
      seen = await this.status(bmc);
      if (seen === expect) return { state: seen, sent: action, message: words ?? `power ${action} sent, machine is ${seen}` };
    }
    const total = this.policy.verifyWaitsMs.reduce((a, b) => a + b, 0);
    throw new DployError(
      'DPLOY_ERR_BMC_NOT_VERIFIED',
      `${bmc.address}: power ${action} accepted but the machine is still ${seen ?? 'unknown'} after ${Math.round(total / 1000)} s`,
    );
  }

  /** One driver call through the BMC's queue, retried while the error says retrying can help. */
  private async call<T>(bmc: BmcTarget, fn: (driver: PowerDriver, budgetMs: number) => Promise<T>): Promise<T> {
    const driver = this.drivers[bmc.driver];
    if (!driver) throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `no power driver "${bmc.driver}" in this dploy`);
    const waits = this.policy.retryWaitsMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.queue.run(bmcKey(bmc), () => fn(driver, this.policy.callBudgetMs));
      } catch (err) {
        const wait = waits[attempt];
        if (!isDployError(err) || !err.retryable || wait === undefined) throw err;
        await this.clock.sleep(wait);
      }
    }
  }
}

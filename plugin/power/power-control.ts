// Everything every driver needs and no driver does itself (the MAAS way, in
// one place): one command at a time per BMC, retry only what is retryable,
// verify the machine's state after each action with growing waits ("the BMC
// said yes" is not "the machine is on"), never cycle a machine that is off.

import { DployError, isDployError } from '../errors.js';
import { BmcQueue, REAL_CLOCK, type Clock } from './bmc-queue.js';
import { bmcKey, type BmcTarget, type Firmware, type PowerAction, type PowerDriver, type PowerDriverName, type PowerState } from './driver.js';
import { DEFAULT_POWER_POLICY, type PowerPolicies, type PowerPolicy } from './power-policy.js';

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
    /** One policy for every driver, or one per driver (the configuration's power.<driver>). */
    private readonly policy: PowerPolicy | PowerPolicies = DEFAULT_POWER_POLICY,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.queue = new BmcQueue(DEFAULT_POWER_POLICY.minIntervalMs, clock);
  }

  private policyOf(bmc: BmcTarget): PowerPolicy {
    const p = this.policy;
    return 'minIntervalMs' in p ? (p as PowerPolicy) : ((p as PowerPolicies)[bmc.driver] ?? DEFAULT_POWER_POLICY);
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
    const waits = this.policyOf(bmc).verifyWaitsMs;
    let seen: PowerState | undefined;
    for (const wait of waits) {
      await this.clock.sleep(wait);
      seen = await this.status(bmc);
      if (seen === expect) return { state: seen, sent: action, message: words ?? `power ${action} sent, machine is ${seen}` };
    }
    const total = waits.reduce((a, b) => a + b, 0);
    throw new DployError(
      'DPLOY_ERR_BMC_NOT_VERIFIED',
      `${bmc.address}: power ${action} accepted but the machine is still ${seen ?? 'unknown'} after ${Math.round(total / 1000)} s`,
    );
  }

  /** One driver call through the BMC's queue, retried while the error says retrying can help. */
  private async call<T>(bmc: BmcTarget, fn: (driver: PowerDriver, budgetMs: number) => Promise<T>): Promise<T> {
    const driver = this.drivers[bmc.driver];
    if (!driver) throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `no power driver "${bmc.driver}" in this dploy`);
    const policy = this.policyOf(bmc);
    const waits = policy.retryWaitsMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.queue.run(bmcKey(bmc), () => fn(driver, policy.callBudgetMs), policy.minIntervalMs);
      } catch (err) {
        const wait = waits[attempt];
        if (!isDployError(err) || !err.retryable || wait === undefined) throw err;
        await this.clock.sleep(wait);
      }
    }
  }
}

// power-on / power-off / power-cycle / power-status: one BMC action, verified,
// then done. The action runs outside the transaction (StateSpec.work): it may
// take a minute of verification waits.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import type { Host } from '../../model/host.js';
import type { JobKind } from '../../model/job.js';
import type { BmcTarget, BootWaves, PowerControl } from '../../power/index.js';
import type { JobKindSpec } from '../job-kind.js';

export interface PowerHook {
  control: PowerControl;
  /** Power-ons for a boot go in waves (power.wave*: docs/power.md). */
  waves?: BootWaves;
  /** Bytes the machine's boot entry makes it fetch (kernel, initrds), which a measured wave size is judged against. */
  fetchBytes?(db: EntityManager, host: Host): Promise<number | undefined>;
  /** The host's BMC with its password opened, or undefined when it has none. */
  bmcOf(db: EntityManager, hostId: number): Promise<BmcTarget | undefined>;
}

export const POWER_TASKS = { 'power-on': 'on', 'power-off': 'off', 'power-cycle': 'cycle', 'power-status': 'status' } as const;
type PowerTask = keyof typeof POWER_TASKS;

const DONE: Record<PowerTask, string> = {
  'power-on': 'powered on ({message})',
  'power-off': 'powered off ({message})',
  'power-cycle': 'power-cycled ({message})',
  'power-status': 'power status: {message}',
};

export function powerKind(task: PowerTask, hook: PowerHook | undefined): JobKindSpec {
  const action = POWER_TASKS[task];
  return {
    kind: task satisfies JobKind,
    doneStatus: DONE[task],
    states: {
      queued: {
        step: 1,
        status: `power ${action} through the BMC`,
        work: async ({ db, host }) => {
          const bmc = hook ? await hook.bmcOf(db, host.id) : undefined;
          if (!hook || !bmc)
            throw new DployError(
              'DPLOY_ERR_INVALID_INPUT',
              `host ${host.name} has no BMC; set one with dploy hosts set ${host.name} --bmc ipmi://user@address`,
            );
          if (action === 'status') return `machine is ${await hook.control.status(bmc)}`;
          return (await hook.control.power(bmc, action)).message;
        },
        next: ['done'],
        run: async ({ work }) => ({ to: 'done', message: String(work ?? '') }),
      },
    },
  };
}

export function powerKinds(hook: PowerHook | undefined): Array<[JobKind, JobKindSpec]> {
  return (Object.keys(POWER_TASKS) as PowerTask[]).map((task) => [task, powerKind(task, hook)]);
}

// Power-aware boot for install and discover: when the host has a BMC, the
// step after the boot state is set powers the machine through it (PXE once,
// then cycle, or on if it was off), and the wait that follows says so. A host
// without a BMC takes exactly the path it took before: the job waits for a
// person to power-cycle the machine.

import type { JobKindSpec, StateSpec } from '../job-kind.js';
import type { PowerHook } from './power.js';

/** Adds the BMC path to a kind whose queued step leads to 'booting'. */
export function withBmcBoot(spec: JobKindSpec, hook: PowerHook | undefined): JobKindSpec {
  const queued = spec.states.queued;
  const booting = spec.states.booting;
  if (!hook || !queued?.run || !booting) return spec;
  const queuedRun = queued.run;
  const powering: StateSpec = {
    step: booting.step,
    status: 'setting PXE once and power-cycling the machine through its BMC',
    work: async ({ db, job, host }) => {
      const bmc = await hook.bmcOf(db, job.hostId);
      // The BMC was removed between the two steps: fall back to a person, and say so.
      if (!bmc) return 'no BMC any more; waiting for someone to power-cycle the machine';
      return (await hook.control.bootFromNetwork(bmc, host.firmware ?? 'bios')).message;
    },
    next: ['booting-bmc'],
    run: async ({ work }) => ({ to: 'booting-bmc', message: `${String(work ?? '')}; waiting for the machine to boot` }),
  };
  return {
    ...spec,
    states: {
      ...spec.states,
      queued: {
        ...queued,
        next: [...(queued.next ?? []), 'powering'],
        run: async (ctx) => {
          const result = await queuedRun(ctx);
          if (result.to !== 'booting' || !(await hook.bmcOf(ctx.db, ctx.host.id))) return result;
          return { ...result, to: 'powering', message: `${result.message.replace(/; waiting .*$/, '')}; powering the machine through its BMC` };
        },
      },
      powering,
      'booting-bmc': { ...booting, status: `${booting.status} (started through its BMC)` },
    },
  };
}

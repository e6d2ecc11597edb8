// Power-aware boot for install and discover: when the host has a BMC, the
// step after the boot state is set powers the machine through it (PXE once,
// then cycle, or on if it was off), and the wait that follows says so. A host
// without a BMC takes exactly the path it took before: the job waits for a
// person to power-cycle the machine. Many machines at once start in waves
// (plugin/power/boot-waves.ts): one waiting for its wave goes to `waiting-wave`,
// claimable by no runner until the wave opens, and its status says which, how
// large the waves are and why (the operator's size, or measured against this
// machine's install fetch).

import type { JobKindSpec, StateSpec } from '../job-kind.js';
import type { PowerHook } from './power.js';

/** What the powering step did: the machine started (or left to a person), or its wave is not open yet. */
type PoweringWork = { done: string } | { wave: number; opensAt: number; waves: string };

/** Adds the BMC path to a kind whose queued step leads to 'booting'. */
export function withBmcBoot(spec: JobKindSpec, hook: PowerHook | undefined): JobKindSpec {
  const queued = spec.states.queued;
  const booting = spec.states.booting;
  if (!hook || !queued?.run || !booting) return spec;
  const queuedRun = queued.run;
  const powering: StateSpec = {
    step: booting.step,
    status: 'setting PXE once and power-cycling the machine through its BMC',
    work: async ({ db, job, host }): Promise<PoweringWork> => {
      // The place in a wave first, before this step's own awaits: the machines of a batch, started side by
      // side, take their places in about the order they were claimed (exactly, on SQLite's one connection).
      // The lookup of what this machine's install fetches is started here too, its place kept while it runs.
      const slot = hook.waves ? await hook.waves.take(hook.fetchBytes?.(db, host)) : undefined;
      if (slot && !slot.ok) return { wave: slot.wave, opensAt: slot.opensAt, waves: hook.waves!.describe(slot) };
      const bmc = await hook.bmcOf(db, job.hostId);
      // The BMC was removed between the two steps (its place in the wave goes unused): fall back to a person, and say so.
      if (!bmc) return { done: 'no BMC any more; waiting for someone to power-cycle the machine' };
      const wave = slot ? ` (boot wave ${slot.wave}: ${hook.waves!.describe(slot)})` : '';
      return { done: `${(await hook.control.bootFromNetwork(bmc, host.firmware ?? 'bios')).message}${wave}` };
    },
    run: async ({ work }) => {
      const w = work as PoweringWork;
      if ('opensAt' in w) {
        return { to: 'waiting-wave', message: `waiting for boot wave ${w.wave} (${w.waves})`, notBefore: new Date(w.opensAt) };
      }
      return { to: 'booting-bmc', message: `${w.done}; waiting for the machine to boot` };
    },
    next: ['booting-bmc', 'waiting-wave'],
    // A wave's machines are powered together: one after another, a wave of 20 would take 20 BMC actions' time.
    workSideBySide: true,
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
      // The same step, its status saying which wave the machine waits for.
      'waiting-wave': { ...powering, status: '{message}' },
      'booting-bmc': { ...booting, status: `${booting.status} (started through its BMC)` },
    },
  };
}

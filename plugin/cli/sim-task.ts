// dploy sim-task <task> [profile|image]: what dploy's tools in HP SIM run on
// the CMS (docs/sim.md). SIM names the systems the operator selected in
// MX_TARGETS and the operator in MX_USER; the task is set on each as any task
// source sets it, and what this prints is the job's output in SIM.

import { Command } from 'commander';
import { DployError } from '../errors.js';
import { kindsFromConfig } from '../jobs/index.js';
import { setTask } from '../jobs/set-task.js';
import { SIM_TASKS, type SimTask } from '../platforms/sim/tool-list.js';
import { mxCliOf } from '../platforms/sim/sim-settings.js';
import { resolveTargets, targetNames } from '../platforms/sim/sim-targets.js';
import { configOf, print, withStore } from './context.js';

const WHAT: Partial<Record<SimTask, 'profile' | 'image'>> = { install: 'profile', restore: 'image', image: 'image' };

export function simTaskCommand(): Command {
  return new Command('sim-task')
    .description(`run by dploy's tools in HP SIM: sets <task> (${SIM_TASKS.join(', ')}) on the systems in MX_TARGETS`)
    .argument('<task>')
    .argument('[what]', 'the profile (install) or image (restore, image)')
    .action(async (task: string, what: string | undefined, _o: unknown, command: Command) => {
      const { config } = configOf(command);
      if (config.platform !== 'sim') throw new DployError('DPLOY_ERR_CONFIG', `dploy sim-task needs platform: sim (the configuration says ${config.platform})`);
      if (!(SIM_TASKS as readonly string[]).includes(task))
        throw new DployError('DPLOY_ERR_INVALID_INPUT', `unknown task "${task}" (one of ${SIM_TASKS.join(', ')})`);
      const kind = task as SimTask;
      const field = WHAT[kind];
      if (field && !what) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${kind} needs the ${field} as the tool's argument`);
      const names = targetNames(process.env.MX_TARGETS);
      const user = process.env.MX_USER || 'unknown user';
      const targets = await withStore(command, async (store, platform) => {
        const resolved = await resolveTargets(store, platform, mxCliOf(config.sim), names, kind === 'discover');
        await setTask(store.db, platform, kindsFromConfig(config), {
          hostIds: [...resolved.values()],
          task: kind,
          force: false,
          actor: `sim:${user}`,
          ...(field && what ? { [field]: what } : {}),
        });
        return resolved;
      });
      for (const [name, hostId] of targets)
        print(`${name}: ${kind}${what ? ` ${what}` : ''} set for host ${hostId} by ${user}; dploy's status shows on the system as the job moves\n`);
    });
}

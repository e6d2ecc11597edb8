// dploy task set <host|@group> <task> [--profile P] [--image I] [--engine tar|mondo] [--run COMMAND] [--force]

import { Command } from 'commander';
import { TASK_KINDS, isTaskKind } from '../model/task.js';
import { DployError } from '../errors.js';
import { kindsFromConfig } from '../jobs/index.js';
import { setTask, taskTargets } from '../jobs/set-task.js';
import { IMAGE_ENGINES, isImageEngine } from '../store/image-engines.js';
import { configOf, print, printJson, withStore } from './context.js';

export function taskCommand(): Command {
  const task = new Command('task').description('set what a machine or a group should do next');
  task
    .command('set <target> <task>')
    .description(`target: a host (id, name or MAC) or @group; task: ${TASK_KINDS.join(', ')}`)
    .option('--profile <name>', 'install and rebuild: the profile to install (rebuild: capture, reinstall, restore images.restorePaths; docs/images.md)')
    .option('--image <name>', 'restore: the image to restore; image: the name of the image to take (default HOST-JOBID)')
    .option('--engine <engine>', "image: tar (default, dploy's own capture) or mondo (the machine's own mondoarchive; docs/images.md)")
    .option('--run <command>', 'command task: the shell command to run over SSH')
    .option('--force', 'cancel a running job and replace it')
    .option('--json', 'print JSON for scripts')
    .action(
      async (
        target: string,
        kind: string,
        o: { profile?: string; image?: string; engine?: string; run?: string; force?: boolean; json?: boolean },
        command: Command,
      ) => {
        if (!isTaskKind(kind)) throw new DployError('DPLOY_ERR_INVALID_INPUT', `unknown task "${kind}" (one of ${TASK_KINDS.join(', ')})`);
        if (o.engine !== undefined && !isImageEngine(o.engine))
          throw new DployError('DPLOY_ERR_INVALID_INPUT', `unknown engine "${o.engine}" (one of ${IMAGE_ENGINES.join(', ')})`);
        const kinds = kindsFromConfig(configOf(command).config);
        const result = await withStore(command, async (store, platform) => {
          const { hostIds, groupId } = await taskTargets(store.db.manager, target);
          const outcome = await setTask(store.db, platform, kinds, {
            hostIds,
            task: kind,
            force: o.force ?? false,
            actor: 'cli',
            ...(o.profile ? { profile: o.profile } : {}),
            ...(o.image ? { image: o.image } : {}),
            ...(o.engine && isImageEngine(o.engine) ? { engine: o.engine } : {}),
            ...(o.run !== undefined ? { command: o.run, ...(groupId !== undefined ? { groupId } : {}) } : {}),
          });
          return { hostIds, ...outcome };
        });
        if (o.json) return printJson({ task: kind, ...result });
        for (const id of result.cancelled) print(`cancelled job ${id}\n`);
        print(`task ${kind}${o.profile ? ` ${o.profile}` : ''} set on ${result.hostIds.length} machine(s); the runner opens the job at its next tick\n`);
      },
    );
  return task;
}

// The cancel task: an operator whose console has nothing but the task field
// (OCS's administrative data) ends a machine's running job by setting it to
// cancel. The job is cancelled as `dploy jobs cancel` would (its boot state
// undone, an event saying who), its outcome written, and the field goes back
// to none, ready for the next task.

import { CANCEL, type TaskRequest } from '../model/task.js';
import { activeJobForHost } from '../store/jobs.js';
import { endJob } from './job-step.js';
import { kindSpec } from './kinds/index.js';
import { statusWords } from './status-words.js';
import type { RunnerOptions } from './runner.js';

export async function cancelRequested(o: Pick<RunnerOptions, 'db' | 'platform' | 'kinds'>, requests: TaskRequest[], actor: string): Promise<number> {
  let cancelled = 0;
  for (const request of requests.filter((r) => r.task === CANCEL)) {
    const job = await activeJobForHost(o.db.manager, request.hostId);
    const spec = job ? kindSpec(o.kinds, job.kind) : undefined;
    const ended = job && spec ? await endJob(o.db, spec, job, 'cancelled', `cancelled by the operator (task ${CANCEL})`, actor) : undefined;
    if (ended) cancelled++;
    const words = ended && spec ? `${statusWords(spec, ended)}; ready for the next task` : 'cancel: no job was running; ready for the next task';
    await o.platform.writeStatus(request.hostId, words, { clearTask: { task: CANCEL } });
  }
  return cancelled;
}

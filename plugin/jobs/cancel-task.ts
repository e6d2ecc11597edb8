// The cancel task: an operator whose console has nothing but the task field
// (OCS's administrative data) ends a machine's running job by setting it to
// cancel. The job is cancelled as `dploy jobs cancel` would (its boot state
// undone, an event saying who), its outcome written, and the field goes back
// to none, ready for the next task.

import type { DataSource } from 'typeorm';
import { CANCEL, type TaskRequest } from '../model/task.js';
import type { Platform } from '../platforms/platform.js';
import { activeJobForHost } from '../store/jobs.js';
import { endJob } from './job-step.js';
import { kindSpec, type JobKinds } from './kinds/index.js';
import { statusWords } from './status-words.js';

/** What a cancel needs of the runner: the database, the job kinds, and where the status goes. */
export interface CancelContext {
  db: DataSource;
  platform: Pick<Platform, 'writeStatus'>;
  kinds: JobKinds;
}

export async function cancelRequested(o: CancelContext, requests: TaskRequest[], actor: string): Promise<number> {
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

// Callbacks from machines (mindi scripts, installer %pre/%post) move a job
// at once, following its kind's table. An event the current state does not
// expect is recorded as ignored, never applied out of order.

import type { DataSource } from 'typeorm';
import type { Job } from '../model/job.js';
import { activeJobForHost, appendEvent, transitionJob, getJob } from '../store/jobs.js';
import type { AgentEvent } from './job-kind.js';
import type { JobKinds } from './kinds/index.js';
import { endJob } from './job-step.js';
import { retryOnLockConflict } from '../store/database-errors.js';

export interface EventOutcome {
  outcome: 'moved' | 'progress' | 'ignored' | 'no-job';
  job?: Job;
}

/**
 * `target` is the machine, or the job a job token named: then the event moves
 * that job only, never a later job of the same machine (a finished job's
 * token must not act on the next one).
 */
export async function applyAgentEvent(
  db: DataSource,
  kinds: JobKinds,
  target: number | Pick<Job, 'id' | 'hostId'>,
  event: AgentEvent,
  message: string,
  now = new Date(),
): Promise<EventOutcome> {
  const job = await activeJobForHost(db.manager, typeof target === 'number' ? target : target.hostId);
  if (!job || (typeof target !== 'number' && job.id !== target.id)) return { outcome: 'no-job' };
  const spec = kinds.get(job.kind);
  const to = spec?.states[job.state]?.on?.[event];
  const text = `${event}${message ? `: ${message}` : ''}`;
  if (!spec || !to) {
    await appendEvent(db.manager, {
      job_id: job.id,
      at: now,
      from_state: job.state,
      to_state: job.state,
      message: `ignored ${text} (not expected while ${job.state})`,
      actor: 'agent',
    });
    return { outcome: 'ignored', job };
  }
  if (to === 'failed') {
    const ended = await endJob(db, spec, job, 'failed', message || `${event} reported by the machine`, 'agent', now);
    return ended ? { outcome: 'moved', job: ended } : { outcome: 'ignored', job };
  }
  if (to === job.state) {
    await appendEvent(db.manager, { job_id: job.id, at: now, from_state: job.state, to_state: job.state, message: text, actor: 'agent' });
    return { outcome: 'progress', job };
  }
  const moved = await retryOnLockConflict(() => db.transaction((tx) => transitionJob(tx, job, job.state, { to, message: text, actor: 'agent' }, now)));
  return moved ? { outcome: 'moved', job: await getJob(db.manager, job.id) } : { outcome: 'ignored', job };
}

// An operator ends a running job (CLI, console, API): the job's kind says
// how it ends, its machine goes back to local boot, the host tool hears it.

import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { isTerminal, type Job } from '../model/job.js';
import type { Platform } from '../platforms/index.js';
import { getJob } from '../store/jobs.js';
import { recordAudit } from '../store/audit-log.js';
import { endJob } from './job-step.js';
import { kindSpec, type JobKinds } from './kinds/index.js';
import { reportStatus, SILENT_LOG } from './runner.js';

export async function cancelJob(db: DataSource, platform: Platform, kinds: JobKinds, id: number, actor: string, how: string): Promise<Job> {
  const job = await getJob(db.manager, id);
  if (isTerminal(job.state)) throw new DployError('DPLOY_ERR_CONFLICT', `job ${job.id} already ended (${job.state})`);
  const ended = await endJob(db, kindSpec(kinds, job.kind), job, 'cancelled', `cancelled by the operator (${how})`, actor);
  if (!ended) throw new DployError('DPLOY_ERR_CONFLICT', `job ${job.id} moved meanwhile; look again with dploy jobs show ${job.id}`);
  await reportStatus({ platform, kinds, log: SILENT_LOG }, ended);
  await recordAudit(db.manager, { actor, action: 'job.cancel', target: `job ${job.id}`, detail: `${job.kind} on host ${job.hostId}` });
  return ended;
}

// Jobs waiting for a machine longer than their state allows end failed, with
// the reason in words and the boot state handed back to local boot.

import { Brackets, type DataSource } from 'typeorm';
import type { Job } from '../model/job.js';
import { jobFromRow, type JobRow } from '../store/job-rows.js';
import type { JobKinds } from './kinds/index.js';
import { endJob } from './job-step.js';

export async function expireWaits(db: DataSource, kinds: JobKinds, actor: string, now = new Date()): Promise<Job[]> {
  const query = db.getRepository<JobRow>('Job').createQueryBuilder('j');
  let index = 0;
  query.where(new Brackets((w) => {
    for (const spec of kinds.values()) {
      for (const [name, state] of Object.entries(spec.states)) {
        if (!state.timeoutSeconds) continue;
        const i = index++;
        w.orWhere(`(j.kind = :k${i} AND j.state = :s${i} AND j.state_entered_at < :t${i})`, {
          [`k${i}`]: spec.kind, [`s${i}`]: name, [`t${i}`]: new Date(now.getTime() - state.timeoutSeconds * 1000),
        });
      }
    }
  }));
  if (index === 0) return [];
  const expired: Job[] = [];
  for (const row of await query.getMany()) {
    const job = jobFromRow(row);
    const spec = kinds.get(job.kind)!;
    const message = spec.states[job.state]?.timeoutMessage ?? `no progress within ${spec.states[job.state]?.timeoutSeconds} s`;
    const ended = await endJob(db, spec, job, 'failed', message, actor, now);
    if (ended) expired.push(ended);
  }
  return expired;
}

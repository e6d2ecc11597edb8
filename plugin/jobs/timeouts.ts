// Jobs waiting for a machine longer than their state allows end failed, with
// the reason in words and the boot state handed back to local boot.

import type { DataSource } from 'typeorm';
import type { Job } from '../model/job.js';
import { jobsPastDeadline, type WaitDeadline } from '../store/jobs.js';
import type { JobKinds } from './kinds/index.js';
import { endJob } from './job-step.js';

export async function expireWaits(db: DataSource, kinds: JobKinds, actor: string, now = new Date()): Promise<Job[]> {
  const deadlines: WaitDeadline[] = [];
  for (const spec of kinds.values()) {
    for (const [name, state] of Object.entries(spec.states)) {
      if (state.timeoutSeconds) deadlines.push({ kind: spec.kind, state: name, enteredBefore: new Date(now.getTime() - state.timeoutSeconds * 1000) });
    }
  }
  const expired: Job[] = [];
  for (const job of await jobsPastDeadline(db, deadlines)) {
    const spec = kinds.get(job.kind)!;
    const message = spec.states[job.state]?.timeoutMessage ?? `no progress within ${spec.states[job.state]?.timeoutSeconds} s`;
    const ended = await endJob(db, spec, job, 'failed', message, actor, now);
    if (ended) expired.push(ended);
  }
  return expired;
}

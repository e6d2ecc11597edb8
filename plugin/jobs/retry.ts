// Retry lives in one place (the MAAS way): a failed step is tried again after
// a growing wait, up to maxAttempts; a fatal error (bad settings, missing
// tool) or the last attempt fails the job with the reason.

import type { DataSource } from 'typeorm';
import type { Job } from '../model/job.js';
import { appendEvent, getJob } from '../store/jobs.js';
import { deferJob } from '../store/job-claims.js';
import type { JobKindSpec } from './job-kind.js';
import { endJob } from './job-step.js';
import { retryOnLockConflict } from '../store/database-errors.js';

export function backoffSeconds(attempt: number): number {
  return Math.min(300, 15 * 2 ** (attempt - 1));
}

export async function retryOrFail(
  db: DataSource,
  spec: JobKindSpec,
  job: Job,
  err: unknown,
  o: { owner: string; maxAttempts: number },
  now = new Date(),
): Promise<Job | undefined> {
  const reason = err instanceof Error ? err.message : String(err);
  const attempt = job.attempts + 1;
  if (attempt >= o.maxAttempts) {
    const why = o.maxAttempts > 1 ? `${reason} (after ${attempt} attempts)` : reason;
    return endJob(db, spec, job, 'failed', why, `runner:${o.owner}`, now);
  }
  const wait = backoffSeconds(attempt);
  // A deferral that loses a lock conflict runs again too: thrown, it ended the whole tick, and the batch's
  // other jobs waited for their leases to lapse.
  await retryOnLockConflict(() =>
    db.transaction(async (tx) => {
      const deferred = await deferJob(tx, job, o.owner, { attempts: attempt, notBefore: new Date(now.getTime() + wait * 1000), message: reason }, now);
      if (deferred) {
        await appendEvent(tx, {
          job_id: job.id,
          at: now,
          from_state: job.state,
          to_state: job.state,
          message: `attempt ${attempt} of ${o.maxAttempts} failed: ${reason}; retrying in ${wait} s`,
          actor: `runner:${o.owner}`,
        });
      }
    }),
  );
  return getJob(db.manager, job.id);
}

// Moving one job one step, in one transaction: the step's database effects,
// the job's conditional move and its event commit together or not at all, so
// a runner killed at any point leaves the job where it was (and its lease
// expires for another runner to take).

import type { DataSource } from 'typeorm';
import { retryOnLockConflict } from '../store/database-errors.js';
import { getHost } from '../store/hosts.js';
import { getJob, transitionJob } from '../store/jobs.js';
import { holdLease, leaveUntil } from '../store/job-claims.js';
import type { Job } from '../model/job.js';
import { isTerminal } from '../model/job.js';
import type { JobKindSpec, StateSpec } from './job-kind.js';
import type { Platform } from '../platforms/platform.js';

export class LostJob extends Error {}

/** Runs the job's current step while holding its lease; returns the job after the move. */
export async function runStep(
  db: DataSource,
  platform: Platform,
  spec: JobKindSpec,
  job: Job,
  owner: string,
  startedAt = new Date(),
  /** The state's work, already started by the caller (side by side with other jobs'); rejected if it failed. */
  started?: Promise<unknown>,
): Promise<Job> {
  const state = spec.states[job.state];
  if (!state?.run) return job;
  const run = state.run;
  const work = state.work ? await (started ?? startWork(db, state.work, job, owner)) : undefined;
  // The move is dated when it happens, after the work, not when the step was picked up.
  const now = state.work ? new Date() : startedAt;
  let moved: Job | undefined;
  // A lock conflict is no failure of the step (another runner or an agent held the row): the transaction
  // runs again at once, and only it: `work` (an SSH command, a BMC action) is never repeated for it.
  await retryOnLockConflict(() =>
    db.transaction(async (tx) => {
      // Write first (holdLease): a runner whose lease expired and was taken over must not act on stale knowledge.
      if (!(await holdLease(tx, job, owner, now))) throw new LostJob(`job ${job.id}: lease lost`);
      const host = await getHost(tx, job.hostId);
      const result = await run({ db: tx, job, host, now, platform, ...(state.work ? { work } : {}) });
      const ok = await transitionJob(tx, job, job.state, { to: result.to, message: result.message, actor: `runner:${owner}`, releaseLease: true }, now);
      if (!ok) throw new LostJob(`job ${job.id} moved by someone else`);
      // An expired lease is what makes a job claimable: a lease owned by no one until then keeps every runner off it.
      if (result.notBefore) await leaveUntil(tx, job.id, result.notBefore);
      if (isTerminal(result.to) && spec.onEnd && result.to !== 'done') await spec.onEnd(tx, job);
      moved = result.after ? { ...job, state: result.to, message: result.message, finishedAt: now } : await getJob(tx, job.id);
      if (result.after) await result.after(tx);
    }),
  );
  return moved!;
}

/** A step's work, outside any transaction, under the job's lease. */
export async function startWork(db: DataSource, work: NonNullable<StateSpec['work']>, job: Job, owner: string): Promise<unknown> {
  return work({ db: db.manager, job, host: await getHost(db.manager, job.hostId), owner });
}

/** Fails or cancels a job from wherever it is, undoing its boot state (onEnd). */
export async function endJob(
  db: DataSource,
  spec: JobKindSpec,
  job: Job,
  to: 'failed' | 'cancelled',
  message: string,
  actor: string,
  now = new Date(),
): Promise<Job | undefined> {
  return retryOnLockConflict(() =>
    db.transaction(async (tx) => {
      const ok = await transitionJob(tx, job, job.state, { to, message, actor }, now);
      if (!ok) return undefined;
      if (spec.onEnd) await spec.onEnd(tx, job);
      return getJob(tx, job.id);
    }),
  );
}

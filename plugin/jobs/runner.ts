// The runner: one tick turns pending tasks into jobs, fails jobs whose
// machine went silent, and moves every job it can claim as far as it goes.
// Ticks come from node-cron inside `dploy serve` or from `dploy runner
// --once` under system cron; state lives in the database, so a missed or
// killed tick loses nothing.

import type { DataSource } from 'typeorm';
import type { Dialect } from '../store/dialect.js';
import type { Platform } from '../platforms/index.js';
import type { Job } from '../model/job.js';
import { isTerminal } from '../model/job.js';
import { isDployError } from '../errors.js';
import { claimJobs } from './leases.js';
import { intakeTasks } from './intake.js';
import { cancelRequested } from './cancel-task.js';
import { isJobTask, type TakenTask } from '../model/task.js';
import { expireWaits } from './timeouts.js';
import { LostJob, runStep, startWork } from './job-step.js';
import { retryOrFail } from './retry.js';
import { isLockConflict } from '../store/database-errors.js';
import { statusWords } from './status-words.js';
import type { JobKinds } from './kinds/index.js';

export interface RunnerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** For callers that move jobs outside a runner (CLI cancel, --force) and log nothing themselves. */
export const SILENT_LOG: RunnerLog = { info() {}, warn() {}, error() {} };

export interface RunnerOptions {
  db: DataSource;
  dialect: Dialect;
  platform: Platform;
  kinds: JobKinds;
  /** Unique per process: host name and pid. */
  owner: string;
  leaseSeconds: number;
  batchSize: number;
  maxAttempts: number;
  /** Stop claiming new batches after this long, so ticks do not pile up. */
  budgetMs: number;
  log: RunnerLog;
}

export interface TickReport {
  created: number;
  refused: number;
  /** Running jobs ended by a cancel task. */
  cancelled: number;
  expired: number;
  stepsRun: number;
  failedSteps: number;
  ms: number;
}

export async function runnerTick(o: RunnerOptions): Promise<TickReport> {
  const started = Date.now();
  const actor = `runner:${o.owner}`;
  const pending = await o.platform.pendingTasks();
  const cancelled = await cancelRequested(o, pending, actor);
  const intake = await intakeTasks(o.db, o.dialect, o.kinds, pending.filter(isJobTask), actor, (id) => o.platform.cancelAdvice(id));
  // A waiting task's words name the running job's state, so they are written again every tick.
  for (const refusal of intake.refused) await o.platform.writeStatus(refusal.hostId, refusal.reason);
  // A runner died between a job's end and clearing its task: say the job's outcome again and clear it.
  for (const settled of intake.settled) await reportStatus(o, settled.job);
  const expired = await expireWaits(o.db, o.kinds, actor);
  for (const job of expired) await reportStatus(o, job);
  const report: TickReport = {
    created: intake.created,
    refused: intake.refused.length,
    cancelled,
    expired: expired.length,
    stepsRun: 0,
    failedSteps: 0,
    ms: 0,
  };
  while (Date.now() - started < o.budgetMs) {
    const claimed = await claimJobs(o.db, o.dialect, o.kinds, { owner: o.owner, leaseSeconds: o.leaseSeconds, batchSize: o.batchSize });
    if (claimed.length === 0) break;
    const early = startSideBySide(o, claimed);
    // Settled first: the moves below are transactions, and SQLite's one connection takes one at a time.
    await Promise.allSettled(early.values());
    for (const job of claimed) {
      const ok = await advance(o, job, early.get(job.id));
      if (ok) report.stepsRun++;
      else report.failedSteps++;
    }
  }
  report.ms = Date.now() - started;
  return report;
}

/**
 * The work of every claimed job whose state allows it, started at once: a wave's machines are powered
 * through their BMCs together (each BMC still takes one command at a time), not one after another.
 */
function startSideBySide(o: RunnerOptions, claimed: Job[]): Map<number, Promise<unknown>> {
  const early = new Map<number, Promise<unknown>>();
  for (const job of claimed) {
    const state = o.kinds.get(job.kind)?.states[job.state];
    if (state?.work && state.workSideBySide) early.set(job.id, startWork(o.db, state.work, job, o.owner));
  }
  return early;
}

async function advance(o: RunnerOptions, job: Job, started?: Promise<unknown>): Promise<boolean> {
  const spec = o.kinds.get(job.kind)!;
  try {
    const moved = await runStep(o.db, o.platform, spec, job, o.owner, new Date(), started);
    o.log.info({ jobId: job.id, hostId: job.hostId, from: job.state, to: moved.state }, moved.message ?? 'job moved');
    if (job.kind !== 'forget') await reportStatus(o, moved);
    return true;
  } catch (err) {
    if (err instanceof LostJob || isLockConflict(err)) {
      // Not the step's fault either way: no attempt counted; the lease lapses and the step runs again.
      o.log.warn({ jobId: job.id }, err instanceof Error ? err.message : String(err));
      return false;
    }
    const fatal = isDployError(err) && !err.retryable;
    const after = await retryOrFail(o.db, spec, job, err, { owner: o.owner, maxAttempts: fatal ? 1 : o.maxAttempts });
    o.log.error({ jobId: job.id, hostId: job.hostId, err }, `step ${job.state} failed`);
    if (after && isTerminal(after.state)) await reportStatus(o, after);
    return false;
  }
}

export async function reportStatus(o: Pick<RunnerOptions, 'platform' | 'kinds' | 'log'>, job: Job): Promise<void> {
  const spec = o.kinds.get(job.kind);
  if (!spec) return;
  try {
    await o.platform.writeStatus(job.hostId, statusWords(spec, job), isTerminal(job.state) ? { clearTask: takenTask(job) } : {});
  } catch (err) {
    // The job moved; only the console is behind. The next move writes again.
    o.log.warn({ jobId: job.id, err }, 'could not write status to the platform');
  }
}

/** The task a job took, as the task field held it: an ended job resets only that. */
function takenTask(job: Job): TakenTask {
  const what = job.profile ?? job.image;
  return what ? { task: job.kind, what } : { task: job.kind };
}

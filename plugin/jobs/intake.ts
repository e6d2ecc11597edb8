// Task intake: the tasks operators set (read through the platform) become
// jobs. Runs under one lock row so two runners never both open a job for the
// same machine; a machine never has two active jobs.

import type { DataSource, EntityManager } from 'typeorm';
import type { JobTaskRequest } from '../model/task.js';
import type { Job } from '../model/job.js';
import { activeJobsByHost, jobRow } from '../store/jobs.js';
import type { JobRow } from '../store/job-rows.js';
import type { JobKinds } from './kinds/index.js';
import type { Dialect } from '../store/dialect.js';
import { endedJobsOf, insertQueuedJobs } from '../store/job-intake.js';
import { lockSettingRow } from '../store/settings.js';
import { retryOnLockConflict } from '../store/database-errors.js';

export interface Refusal {
  hostId: number;
  reason: string;
  /** The machine is busy: the task is kept and runs when the running job ends. */
  waiting?: boolean;
}

/** How the operator ends a running job where they set tasks (DPLOYTASK=cancel in OCS, a CLI command standalone). */
export type CancelAdvice = (jobId: number) => string;

export interface IntakeReport {
  created: number;
  refused: Refusal[];
  /** Tasks whose job already finished (a runner died before clearing the task). */
  settled: Array<{ hostId: number; job: Job }>;
}

const INTAKE_LOCK = 'runner.intake_lock';

export async function intakeTasks(
  db: DataSource,
  dialect: Dialect,
  kinds: JobKinds,
  tasks: JobTaskRequest[],
  actor: string,
  advice: CancelAdvice,
  now = new Date(),
): Promise<IntakeReport> {
  if (tasks.length === 0) return { created: 0, refused: [], settled: [] };
  // Runners taking the lock row for the first time at once can deadlock on MariaDB (the UPDATE's gap lock
  // against the other's INSERT): the transaction writes only dploy's tables, so it runs again at once.
  return retryOnLockConflict(() => intakeOnce(db, dialect, kinds, tasks, actor, advice, now));
}

async function intakeOnce(
  db: DataSource,
  dialect: Dialect,
  kinds: JobKinds,
  tasks: JobTaskRequest[],
  actor: string,
  advice: CancelAdvice,
  now: Date,
): Promise<IntakeReport> {
  const report: IntakeReport = { created: 0, refused: [], settled: [] };
  await db.transaction(async (tx) => {
    await lockSettingRow(tx, INTAKE_LOCK, now);
    const active = await activeJobsByHost(tx);
    const rows: Array<Omit<JobRow, 'id'>> = [];
    for (const task of tasks) {
      const job = active.get(task.hostId);
      if (job) {
        const waits = busyReason(task, job, advice);
        if (waits !== 'same') report.refused.push({ hostId: task.hostId, reason: waits, waiting: true });
        continue;
      }
      const problem = taskProblem(kinds, task);
      if (problem) report.refused.push({ hostId: task.hostId, reason: problem });
      else rows.push(jobRow({ hostId: task.hostId, kind: task.task, profile: task.profile, image: task.image }, now));
    }
    const settled = await finishedSince(
      tx,
      dialect,
      tasks.filter((t) => t.setAt && !active.has(t.hostId)),
    );
    report.settled = settled;
    const fresh = rows.filter((r) => !settled.some((s) => s.hostId === r.host_id));
    await insertQueuedJobs(tx, dialect, fresh, actor, now);
    report.created = fresh.length;
  });
  return report;
}

function busyReason(task: JobTaskRequest, job: Job, advice: CancelAdvice): string | 'same' {
  if (job.kind === task.task && (job.profile ?? undefined) === task.profile && (job.image ?? undefined) === task.image) return 'same';
  const what = [task.task, task.profile ?? task.image].filter(Boolean).join(' ');
  return `${what} waits: it starts when ${job.kind} job ${job.id} (${job.state}) ends; ${advice(job.id)}`;
}

function taskProblem(kinds: JobKinds, task: JobTaskRequest): string | undefined {
  if (!kinds.has(task.task)) return `refused ${task.task}: not supported by this dploy yet (supported: ${[...kinds.keys()].join(', ')})`;
  if ((task.task === 'install' || task.task === 'rebuild') && !task.profile) return `refused ${task.task}: no profile set (DPLOYPROFILE)`;
  if (task.task === 'restore' && !task.image) return 'refused restore: no image set';
  return undefined;
}

/** Jobs for the same task that ended after the operator set it: the task is done, only its field was not cleared. */
async function finishedSince(tx: EntityManager, dialect: Dialect, tasks: JobTaskRequest[]): Promise<IntakeReport['settled']> {
  if (tasks.length === 0) return [];
  const ended = new Map<number, Job[]>();
  for (const job of await endedJobsOf(tx, dialect, [...new Set(tasks.map((t) => t.hostId))])) {
    const jobs = ended.get(job.hostId);
    if (jobs) jobs.push(job);
    else ended.set(job.hostId, [job]);
  }
  const settled: IntakeReport['settled'] = [];
  for (const task of tasks) {
    const job = ended
      .get(task.hostId)
      ?.find(
        (j) => j.kind === task.task && j.profile === task.profile && j.finishedAt && task.setAt !== undefined && j.finishedAt.getTime() >= task.setAt.getTime(),
      );
    if (job) settled.push({ hostId: task.hostId, job });
  }
  return settled;
}

// Task intake: the tasks operators set (read through the platform) become
// jobs. Runs under one lock row so two runners never both open a job for the
// same machine; a machine never has two active jobs.

import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { JobTaskRequest } from '../model/task.js';
import type { Job } from '../model/job.js';
import { activeJobsByHost, jobRow } from '../store/jobs.js';
import type { JobRow } from '../store/job-rows.js';
import { toDate } from '../store/host-rows.js';
import { jobFromRow } from '../store/job-rows.js';
import type { JobKinds } from './kinds/index.js';
import type { Dialect } from '../store/dialect.js';
import { bulkInsert, selectIn } from '../store/bulk-insert.js';
import { sqlTime } from '../store/dialect.js';
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

const CHUNK = 1000;
const INTAKE_LOCK = 'runner.intake_lock';

export async function intakeTasks(db: DataSource, dialect: Dialect, kinds: JobKinds, tasks: JobTaskRequest[], actor: string, advice: CancelAdvice, now = new Date()): Promise<IntakeReport> {
  if (tasks.length === 0) return { created: 0, refused: [], settled: [] };
  // Runners taking the lock row for the first time at once can deadlock on MariaDB (the UPDATE's gap lock
  // against the other's INSERT): the transaction writes only dploy's tables, so it runs again at once.
  return retryOnLockConflict(() => intakeOnce(db, dialect, kinds, tasks, actor, advice, now));
}

async function intakeOnce(db: DataSource, dialect: Dialect, kinds: JobKinds, tasks: JobTaskRequest[], actor: string, advice: CancelAdvice, now: Date): Promise<IntakeReport> {
  const report: IntakeReport = { created: 0, refused: [], settled: [] };
  await db.transaction(async (tx) => {
    await lockIntake(tx, now);
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
    const settled = await finishedSince(tx, dialect, tasks.filter((t) => t.setAt && !active.has(t.hostId)));
    report.settled = settled;
    const fresh = rows.filter((r) => !settled.some((s) => s.hostId === r.host_id));
    await insertJobs(tx, dialect, fresh, actor, now);
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
  if (task.task === 'install' && !task.profile) return 'refused install: no profile set (DPLOYPROFILE)';
  if (task.task === 'restore' && !task.image) return 'refused restore: no image set';
  return undefined;
}

/** Jobs for the same task that ended after the operator set it: the task is done, only its field was not cleared. */
async function finishedSince(tx: EntityManager, dialect: Dialect, tasks: JobTaskRequest[]): Promise<IntakeReport['settled']> {
  if (tasks.length === 0) return [];
  const settled: IntakeReport['settled'] = [];
  for (let i = 0; i < tasks.length; i += CHUNK) {
    const chunk = tasks.slice(i, i + CHUNK);
    const rows = await selectIn<JobRow>(tx, dialect, 'dploy_jobs', JOB_ROW_COLUMNS, 'host_id', chunk.map((t) => t.hostId), `state IN ('done', 'failed', 'cancelled')`);
    for (const task of chunk) {
      const match = rows
        .filter((r) => Number(r.host_id) === task.hostId && r.kind === task.task && (r.profile ?? undefined) === task.profile && r.finished_at)
        .map((r) => ({ row: r, at: toDate(r.finished_at!) }))
        .find(({ at }) => task.setAt !== undefined && at.getTime() >= task.setAt.getTime());
      if (match) settled.push({ hostId: task.hostId, job: jobFromRow(match.row) });
    }
  }
  return settled;
}

const JOB_COLUMNS = ['host_id', 'kind', 'state', 'profile', 'image', 'token', 'attempts', 'lease_owner', 'lease_until', 'message', 'state_entered_at', 'created_at', 'updated_at', 'finished_at'];
const JOB_ROW_COLUMNS = ['id', ...JOB_COLUMNS];

async function insertJobs(tx: EntityManager, dialect: Dialect, rows: Array<Omit<JobRow, 'id'>>, actor: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  // The jobs of this intake carry its batch mark as their message, so every
  // first event is written by one statement on the server.
  const mark = `opened by intake ${randomBytes(6).toString('hex')}`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await bulkInsert(tx, dialect, 'dploy_jobs', JOB_COLUMNS, rows.slice(i, i + CHUNK).map((row) => ({ ...row, message: mark })));
  }
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const message = dialect === 'mysql'
    ? "CONCAT('task ', j.kind, COALESCE(CONCAT(' ', j.profile), ''), ' taken from the platform')"
    : "'task ' || j.kind || COALESCE(' ' || j.profile, '') || ' taken from the platform'";
  const at = sqlTime(dialect, now);
  await tx.query(
    `INSERT INTO dploy_job_events (job_id, at, from_state, to_state, message, actor)
     SELECT j.id, ${p(1)}, NULL, 'queued', ${message}, ${p(2)} FROM dploy_jobs j
     WHERE j.message = ${p(3)}`,
    [at, actor, mark],
  );
}

async function lockIntake(tx: EntityManager, now: Date): Promise<void> {
  // An UPDATE takes the row lock (MariaDB/PostgreSQL) or the write lock
  // (SQLite) until commit: intakes of several runners run one after another.
  const repo = tx.getRepository('Setting');
  const result = await repo.update({ name: INTAKE_LOCK }, { value: now.toISOString(), updated_at: now });
  if (!result.affected) {
    await repo.createQueryBuilder().insert().values({ name: INTAKE_LOCK, value: now.toISOString(), updated_at: now }).orIgnore().updateEntity(false).execute();
    await repo.update({ name: INTAKE_LOCK }, { value: now.toISOString(), updated_at: now });
  }
}

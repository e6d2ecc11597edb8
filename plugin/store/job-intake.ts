// The runner intake's side of dploy_jobs: the jobs it opens come by the
// thousand (one per machine of a tasked group), so they go as multi-row
// INSERTs in chunks and their first events as one INSERT … SELECT on the
// server. Which tasks become jobs is plugin/jobs/intake.ts.

import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Job } from '../model/job.js';
import { bulkInsert, selectIn } from './bulk-insert.js';
import { sqlTime, type Dialect } from './dialect.js';
import { jobFromRow, type JobRow } from './job-rows.js';

const CHUNK = 1000;
const JOB_COLUMNS = [
  'host_id',
  'kind',
  'state',
  'profile',
  'image',
  'token',
  'attempts',
  'lease_owner',
  'lease_until',
  'message',
  'state_entered_at',
  'created_at',
  'updated_at',
  'finished_at',
];
const JOB_ROW_COLUMNS = ['id', ...JOB_COLUMNS];

/** The ended jobs (done, failed, cancelled) of these hosts. */
export async function endedJobsOf(tx: EntityManager, dialect: Dialect, hostIds: readonly number[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let i = 0; i < hostIds.length; i += CHUNK) {
    const rows = await selectIn<JobRow>(
      tx,
      dialect,
      'dploy_jobs',
      JOB_ROW_COLUMNS,
      'host_id',
      hostIds.slice(i, i + CHUNK),
      `state IN ('done', 'failed', 'cancelled')`,
    );
    jobs.push(...rows.map(jobFromRow));
  }
  return jobs;
}

/** Inserts queued jobs, each with its first event "task … taken from the platform". */
export async function insertQueuedJobs(tx: EntityManager, dialect: Dialect, rows: Array<Omit<JobRow, 'id'>>, actor: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  // The jobs of this intake carry its batch mark as their message, so every
  // first event is written by one statement on the server.
  const mark = `opened by intake ${randomBytes(6).toString('hex')}`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await bulkInsert(
      tx,
      dialect,
      'dploy_jobs',
      JOB_COLUMNS,
      rows.slice(i, i + CHUNK).map((row) => ({ ...row, message: mark })),
    );
  }
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const message =
    dialect === 'mysql'
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

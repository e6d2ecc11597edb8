// dploy_jobs and dploy_job_events. Every state change is a conditional
// UPDATE (… WHERE state = <expected>) plus its event row, in the caller's
// transaction: two runners can never both move the same job, and the event
// log is exactly the list of transitions that happened.

import { randomBytes } from 'node:crypto';
import { Brackets, In, Not, type DataSource, type EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { TERMINAL_STATES, isTerminal, type Job, type JobEvent, type JobKind } from '../model/job.js';
import { insertReturningId } from './hosts.js';
import { eventFromRow, jobFromRow, type JobEventRow, type JobRow } from './job-rows.js';

export interface NewJob {
  hostId: number;
  kind: JobKind;
  profile?: string | undefined;
  image?: string | undefined;
}

/** The job's salt; its URL token is made from it (plugin/jobs/job-token.ts). */
export function newJobToken(): string {
  return randomBytes(24).toString('base64url');
}

export function jobRow(input: NewJob, now: Date): Omit<JobRow, 'id'> {
  return {
    host_id: input.hostId,
    kind: input.kind,
    state: 'queued',
    profile: input.profile ?? null,
    image: input.image ?? null,
    token: newJobToken(),
    attempts: 0,
    lease_owner: null,
    lease_until: null,
    message: null,
    state_entered_at: now,
    created_at: now,
    updated_at: now,
    finished_at: null,
    boot_mac: null,
  };
}

export async function createJob(db: EntityManager, input: NewJob, actor: string, message: string, now = new Date()): Promise<Job> {
  const row = jobRow(input, now);
  const id = await insertReturningId(db, db.getRepository<JobRow>('Job').createQueryBuilder().insert().values(row));
  await appendEvent(db, { job_id: id, at: now, from_state: null, to_state: 'queued', message, actor });
  return jobFromRow({ ...row, id });
}

export async function getJob(db: EntityManager, id: number): Promise<Job> {
  const row = await db.getRepository<JobRow>('Job').findOneBy({ id });
  if (!row) throw new DployError('DPLOY_ERR_NOT_FOUND', `no job ${id}`);
  return jobFromRow(row);
}

export async function activeJobForHost(db: EntityManager, hostId: number): Promise<Job | undefined> {
  const row = await db.getRepository<JobRow>('Job').findOne({ where: { host_id: hostId, state: Not(In([...TERMINAL_STATES])) }, order: { id: 'DESC' } });
  return row ? jobFromRow(row) : undefined;
}

/** Active jobs of every host, one query: what a runner tick diffs tasks against. */
export async function activeJobsByHost(db: EntityManager): Promise<Map<number, Job>> {
  const rows = await db.getRepository<JobRow>('Job').find({ where: { state: Not(In([...TERMINAL_STATES])) } });
  return new Map(rows.map((row) => [Number(row.host_id), jobFromRow(row)]));
}

export async function listJobs(db: EntityManager, filter: { hostId?: number; active?: boolean; limit?: number } = {}): Promise<Job[]> {
  const query = db
    .getRepository<JobRow>('Job')
    .createQueryBuilder('j')
    .orderBy('j.id', 'DESC')
    .limit(filter.limit ?? 100);
  if (filter.hostId !== undefined) query.andWhere('j.host_id = :hostId', { hostId: filter.hostId });
  if (filter.active) query.andWhere('j.state NOT IN (:...terminal)', { terminal: [...TERMINAL_STATES] });
  return (await query.getMany()).map(jobFromRow);
}

/** Jobs counted by kind and state, ended ones too: what /metrics exposes. */
export async function jobCounts(db: EntityManager): Promise<Array<{ kind: string; state: string; jobs: number }>> {
  const rows = (await db.query('SELECT kind, state, COUNT(*) AS n FROM dploy_jobs GROUP BY kind, state')) as Array<{
    kind: string;
    state: string;
    n: number | string;
  }>;
  return rows.map((r) => ({ kind: String(r.kind), state: String(r.state), jobs: Number(r.n) }));
}

/** A waiting state that ends at a deadline: its jobs that entered it before `enteredBefore` have waited too long. */
export interface WaitDeadline {
  kind: string;
  state: string;
  enteredBefore: Date;
}

export async function jobsPastDeadline(db: DataSource, deadlines: readonly WaitDeadline[]): Promise<Job[]> {
  if (deadlines.length === 0) return [];
  const query = db.getRepository<JobRow>('Job').createQueryBuilder('j');
  query.where(
    new Brackets((w) => {
      deadlines.forEach(({ kind, state, enteredBefore }, i) => {
        w.orWhere(`(j.kind = :k${i} AND j.state = :s${i} AND j.state_entered_at < :t${i})`, { [`k${i}`]: kind, [`s${i}`]: state, [`t${i}`]: enteredBefore });
      });
    }),
  );
  return (await query.getMany()).map(jobFromRow);
}

export async function jobEvents(db: EntityManager, jobId: number): Promise<JobEvent[]> {
  const rows = await db.getRepository<JobEventRow>('JobEvent').find({ where: { job_id: jobId }, order: { id: 'ASC' } });
  return rows.map(eventFromRow);
}

export interface Transition {
  to: string;
  message: string;
  actor: string;
  /** Release the runner's lease with the move (the next state waits for someone else). */
  releaseLease?: boolean;
  countAttempt?: boolean;
}

/** Moves the job from `from` to `t.to`; false when someone else moved it first. */
export async function transitionJob(db: EntityManager, job: Pick<Job, 'id' | 'attempts'>, from: string, t: Transition, now = new Date()): Promise<boolean> {
  const changes: Partial<JobRow> = { state: t.to, state_entered_at: now, updated_at: now, message: t.message.slice(0, 1024) };
  if (isTerminal(t.to)) Object.assign(changes, { finished_at: now, lease_owner: null, lease_until: null });
  if (t.releaseLease) Object.assign(changes, { lease_owner: null, lease_until: null });
  if (t.countAttempt) changes.attempts = job.attempts + 1;
  else if (t.to !== from) changes.attempts = 0;
  const result = await db.getRepository<JobRow>('Job').update({ id: job.id, state: from }, changes);
  if (!result.affected) return false;
  await appendEvent(db, { job_id: job.id, at: now, from_state: from, to_state: t.to, message: t.message, actor: t.actor });
  return true;
}

export async function appendEvent(db: EntityManager, event: Omit<JobEventRow, 'id'>): Promise<void> {
  await db
    .getRepository<JobEventRow>('JobEvent')
    .createQueryBuilder()
    .insert()
    .values({ ...event, message: event.message.slice(0, 2048), actor: event.actor.slice(0, 128) })
    .updateEntity(false)
    .execute();
}

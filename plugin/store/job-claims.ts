// Claiming jobs and holding their lease. A runner takes a batch of jobs that
// have work to do and no live lease: SELECT … FOR UPDATE SKIP LOCKED on
// MariaDB 10.6+/PostgreSQL, so runners never wait on each other's rows; on
// SQLite a single UPDATE (the file has one writer at a time) does the same.
// An expired lease (a runner that died) is simply claimable again. Which
// states have work is the job kinds' business (plugin/jobs/leases.ts).

import { Brackets, type DataSource, type EntityManager } from 'typeorm';
import type { Job } from '../model/job.js';
import { retryOnLockConflict } from './database-errors.js';
import { sqlTime, type Dialect } from './dialect.js';
import { jobFromRow, type JobRow } from './job-rows.js';

/** The states of one kind in which a runner has a step to run. */
export interface RunnableStates {
  kind: string;
  states: readonly string[];
}

export interface ClaimOptions {
  owner: string;
  leaseSeconds: number;
  batchSize: number;
  now?: Date;
}

export async function claimJobs(db: DataSource, dialect: Dialect, runnable: readonly RunnableStates[], options: ClaimOptions): Promise<Job[]> {
  const now = options.now ?? new Date();
  const until = new Date(now.getTime() + options.leaseSeconds * 1000);
  // A claim that loses a lock conflict (another runner, an agent event) is taken again at once: it wrote nothing.
  return retryOnLockConflict(() =>
    db.transaction(async (tx) => {
      const repo = tx.getRepository<JobRow>('Job');
      const free = repo
        .createQueryBuilder('j')
        .select('j.id', 'id')
        .where(inStates(runnable))
        .andWhere(new Brackets((w) => w.where('j.lease_until IS NULL').orWhere('j.lease_until < :now', { now })))
        .orderBy('j.id', 'ASC')
        .limit(options.batchSize);
      if (dialect === 'sqlite') {
        // SQLite has no row locks, and a read transaction cannot later become a
        // writer in WAL mode once another process wrote: take the lease with one
        // UPDATE first (SQLite has one writer at a time), then read what we got.
        const [select, params] = free.getQueryAndParameters();
        await tx.query(`UPDATE "dploy_jobs" SET "lease_owner" = ?, "lease_until" = ? WHERE "id" IN (${select})`, [
          options.owner,
          sqlTime(dialect, until),
          ...params,
        ]);
        const rows = await repo.find({ where: { lease_owner: options.owner, lease_until: until } });
        return rows.map(jobFromRow);
      }
      const ids = (await free.setLock('pessimistic_write').setOnLocked('skip_locked').getRawMany<{ id: number | string }>()).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      await repo.createQueryBuilder().update().set({ lease_owner: options.owner, lease_until: until }).where('id IN (:...ids)', { ids }).execute();
      return (await repo.createQueryBuilder('j').where('j.id IN (:...ids)', { ids }).orderBy('j.id', 'ASC').getMany()).map(jobFromRow);
    }),
  );
}

function inStates(runnable: readonly RunnableStates[]): Brackets {
  return new Brackets((w) => {
    runnable.forEach(({ kind, states }, index) => {
      const k = `kind${index}`;
      const s = `states${index}`;
      w.orWhere(`(j.kind = :${k} AND j.state IN (:...${s}))`, { [k]: kind, [s]: states });
    });
  });
}

/**
 * Proves the runner still holds the job's lease in the state it was claimed
 * in, by writing to the row: it also locks the row on MariaDB/PostgreSQL and
 * makes the transaction a writer from the start on SQLite (a read
 * transaction cannot upgrade in WAL mode once another process has written).
 */
export async function holdLease(tx: EntityManager, job: Pick<Job, 'id' | 'state'>, owner: string, now: Date): Promise<boolean> {
  const held = await tx.getRepository<JobRow>('Job').update({ id: job.id, state: job.state, lease_owner: owner }, { updated_at: now });
  return held.affected === 1;
}

/** Gives the lease back with the attempt counted and the next try not before `notBefore`; false when the lease was lost. */
export async function deferJob(
  tx: EntityManager,
  job: Pick<Job, 'id' | 'state'>,
  owner: string,
  retry: { attempts: number; notBefore: Date; message: string },
  now: Date,
): Promise<boolean> {
  const result = await tx
    .getRepository<JobRow>('Job')
    .update(
      { id: job.id, state: job.state, lease_owner: owner },
      { attempts: retry.attempts, lease_owner: null, lease_until: retry.notBefore, updated_at: now, message: retry.message.slice(0, 1024) },
    );
  return Boolean(result.affected);
}

/** Keeps the runner's lease until `until` (a command that may run for minutes), so no other runner takes the job meanwhile. */
export async function extendLease(tx: EntityManager, jobId: number, owner: string, until: Date): Promise<void> {
  await tx.getRepository<JobRow>('Job').update({ id: jobId, lease_owner: owner }, { lease_until: until });
}

/** Leaves the job unclaimed until `until` (a lease owned by no one, as a retry's back-off): waiting jobs are not spun on. */
export async function leaveUntil(tx: EntityManager, jobId: number, until: Date): Promise<void> {
  await tx.getRepository<JobRow>('Job').update({ id: jobId }, { lease_owner: null, lease_until: until });
}

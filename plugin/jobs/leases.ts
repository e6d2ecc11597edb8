// Claiming jobs. A runner takes a batch of jobs that have work to do and no
// live lease: SELECT … FOR UPDATE SKIP LOCKED on MariaDB 10.6+/PostgreSQL, so
// runners never wait on each other's rows; on SQLite a single UPDATE (the
// file has one writer at a time) does the same. An expired lease (a runner
// that died) is simply claimable again.

import { Brackets, type DataSource } from 'typeorm';
import { sqlTime, type Dialect } from '../store/dialect.js';
import { jobFromRow, type JobRow } from '../store/job-rows.js';
import type { Job } from '../model/job.js';
import type { JobKinds } from './kinds/index.js';

export interface ClaimOptions {
  owner: string;
  leaseSeconds: number;
  batchSize: number;
  now?: Date;
}

export async function claimJobs(db: DataSource, dialect: Dialect, kinds: JobKinds, options: ClaimOptions): Promise<Job[]> {
  const now = options.now ?? new Date();
  const until = new Date(now.getTime() + options.leaseSeconds * 1000);
  return db.transaction(async (tx) => {
    const repo = tx.getRepository<JobRow>('Job');
    const free = repo.createQueryBuilder('j').select('j.id', 'id').where(actionable(kinds))
      .andWhere(new Brackets((w) => w.where('j.lease_until IS NULL').orWhere('j.lease_until < :now', { now })))
      .orderBy('j.id', 'ASC').limit(options.batchSize);
    if (dialect === 'sqlite') {
      // SQLite has no row locks, and a read transaction cannot later become a
      // writer in WAL mode once another process wrote: take the lease with one
      // UPDATE first (SQLite has one writer at a time), then read what we got.
      const [select, params] = free.getQueryAndParameters();
      await tx.query(`UPDATE "dploy_jobs" SET "lease_owner" = ?, "lease_until" = ? WHERE "id" IN (${select})`, [options.owner, sqlTime(dialect, until), ...params]);
      const rows = await repo.find({ where: { lease_owner: options.owner, lease_until: until } });
      return rows.map(jobFromRow);
    }
    const ids = (await free.setLock('pessimistic_write').setOnLocked('skip_locked').getRawMany<{ id: number | string }>()).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    await repo.createQueryBuilder().update().set({ lease_owner: options.owner, lease_until: until }).where('id IN (:...ids)', { ids }).execute();
    return (await repo.createQueryBuilder('j').where('j.id IN (:...ids)', { ids }).orderBy('j.id', 'ASC').getMany()).map(jobFromRow);
  });
}

function actionable(kinds: JobKinds): Brackets {
  return new Brackets((w) => {
    let index = 0;
    for (const spec of kinds.values()) {
      const states = Object.entries(spec.states).filter(([, s]) => s.run).map(([name]) => name);
      if (states.length === 0) continue;
      const k = `kind${index}`;
      const s = `states${index++}`;
      w.orWhere(`(j.kind = :${k} AND j.state IN (:...${s}))`, { [k]: spec.kind, [s]: states });
    }
  });
}

// The command a `command` task runs, per machine (set with the task, read when
// its job runs), and how many machines of a group are running theirs now.

import { IsNull, type EntityManager } from 'typeorm';

interface RemoteCommandRow {
  host_id: number;
  command: string;
  group_id: number | null;
  /** The job running this command now: what a group's slots are counted from. */
  running_job_id: number | null;
  set_at: Date | string;
}

export interface RemoteCommand {
  command: string;
  /** Set when the task was given to a group: its concurrency limit applies. */
  groupId?: number;
}

export async function setRemoteCommand(db: EntityManager, hostIds: number[], command: string, groupId?: number): Promise<void> {
  const repo = db.getRepository<RemoteCommandRow>('RemoteCommand');
  for (const host_id of hostIds) {
    await repo.delete({ host_id });
    await repo.insert({ host_id, command, group_id: groupId ?? null, running_job_id: null, set_at: new Date() });
  }
}

/** Drops a machine's command unless a job is running it: a later `command` task must name its own. */
export async function forgetRemoteCommand(db: EntityManager, hostId: number): Promise<void> {
  await db.getRepository<RemoteCommandRow>('RemoteCommand').delete({ host_id: hostId, running_job_id: IsNull() });
}

export async function remoteCommandFor(db: EntityManager, hostId: number): Promise<RemoteCommand | undefined> {
  const row = await db.getRepository<RemoteCommandRow>('RemoteCommand').findOneBy({ host_id: hostId });
  return row ? { command: row.command, ...(row.group_id != null ? { groupId: Number(row.group_id) } : {}) } : undefined;
}

/**
 * Machines of the group running the command now. The group's row is locked
 * first (MariaDB/PostgreSQL; SQLite has one writer) so two runners cannot both
 * take the last free slot, and the slots are read with a lock, which sees the
 * latest commits (a plain InnoDB read would use the snapshot taken before).
 */
export async function runningInGroup(db: EntityManager, groupId: number): Promise<number> {
  const locking = await lockGroup(db, groupId);
  const query = db
    .getRepository<RemoteCommandRow>('RemoteCommand')
    .createQueryBuilder('c')
    .select('c.host_id')
    .where('c.group_id = :groupId AND c.running_job_id IS NOT NULL', { groupId });
  if (locking) query.setLock('pessimistic_write');
  return (await query.getRawMany()).length;
}

async function lockGroup(db: EntityManager, groupId: number): Promise<boolean> {
  if (db.connection.options.type === 'better-sqlite3') return false;
  await db.getRepository('Group').createQueryBuilder('g').setLock('pessimistic_write').where('g.id = :groupId', { groupId }).getOne();
  return true;
}

/**
 * Takes (jobId) or frees (null) the machine's slot, in the transaction that
 * moves its job. Freeing locks the group's row first too: every slot change
 * takes the locks in one order (job, group, slots), so two cannot deadlock.
 */
export async function markRunning(db: EntityManager, hostId: number, jobId: number | null): Promise<void> {
  const repo = db.getRepository<RemoteCommandRow>('RemoteCommand');
  if (jobId === null) {
    const row = await repo.findOneBy({ host_id: hostId });
    if (row?.group_id != null) await lockGroup(db, Number(row.group_id));
  }
  await repo.update({ host_id: hostId }, { running_job_id: jobId });
}

// Standalone task fields on dploy_hosts: what the operator asked (task,
// task_profile) and what dploy answers (status).

import type { EntityManager } from 'typeorm';
import { Not, IsNull } from 'typeorm';
import { DployError } from '../errors.js';
import { CANCEL, isTaskKind, type TakenTask, type TaskRequest, type TaskValue } from '../model/task.js';
import { toDate, type HostRow } from './host-rows.js';

export async function pendingHostTasks(db: EntityManager): Promise<TaskRequest[]> {
  const rows = await db.getRepository<HostRow>('Host').find({
    select: { id: true, task: true, task_profile: true, task_set_at: true },
    where: { task: Not(IsNull()) },
    order: { id: 'ASC' },
  });
  return rows.flatMap((row) => {
    if (!row.task || !(isTaskKind(row.task) || row.task === CANCEL)) return [];
    const request: TaskRequest = { hostId: Number(row.id), task: row.task };
    if (row.task_profile && (row.task === 'restore' || row.task === 'image')) request.image = row.task_profile;
    else if (row.task_profile) request.profile = row.task_profile;
    if (row.task_set_at) request.setAt = toDate(row.task_set_at);
    return [request];
  });
}

/** The task waiting on a host, as the console shows it ("install debian-12"); none once a job took it. */
export async function waitingTask(db: EntityManager, hostId: number): Promise<string | undefined> {
  const row = await db.getRepository<HostRow>('Host').findOne({ select: { task: true, task_profile: true }, where: { id: hostId } });
  return row?.task ? `${row.task}${row.task_profile ? ` ${row.task_profile}` : ''}` : undefined;
}

export async function setHostTask(db: EntityManager, hostId: number, task: TaskValue, profile?: string, image?: string, now = new Date()): Promise<void> {
  // Standalone keeps one "what" column: a profile for install, an image for restore/image.
  const result = await db
    .getRepository<HostRow>('Host')
    .update({ id: hostId }, { task, task_profile: profile ?? image ?? null, task_set_at: now, updated_at: now });
  if (!result.affected) throw new DployError('DPLOY_ERR_NOT_FOUND', `no host with id ${hostId}`);
}

export async function writeHostStatus(db: EntityManager, hostId: number, status: string, clear?: TakenTask): Promise<void> {
  const now = new Date();
  const hosts = db.getRepository<HostRow>('Host');
  await hosts.update({ id: hostId }, { status: status.slice(0, 255), updated_at: now });
  // A task set while the job ran is kept: it runs next.
  if (clear)
    await hosts.update(
      { id: hostId, task: clear.task, ...(clear.what ? { task_profile: clear.what } : {}) },
      { task: null, task_profile: null, task_set_at: null, updated_at: now },
    );
}

// The host tool's side (OCS, on MariaDB): the task fields mirror what the
// operator set in its console, so a new or changed value gets its time; the
// status holds dploy's last words for the console's status field. These
// leave updated_at alone: the machine itself did not change.

const CHUNK = 1000;

/** Remembers the task seen in the host tool's console for the host, seen at `now`. */
export async function mirrorHostTask(tx: EntityManager, hostId: number, task: string, what: string | null, now: Date): Promise<void> {
  await tx.query('UPDATE dploy_hosts SET task = ?, task_profile = ?, task_set_at = ? WHERE id = ?', [task, what, now, hostId]);
}

/** The hosts with a task remembered. */
export async function hostsWithTask(tx: EntityManager): Promise<number[]> {
  return ((await tx.query('SELECT id FROM dploy_hosts WHERE task IS NOT NULL')) as Array<{ id: number }>).map((r) => Number(r.id));
}

/** Forgets the remembered task of these hosts (the operator reset the field, or the computer went away). */
export async function forgetHostTasks(tx: EntityManager, hostIds: readonly number[]): Promise<void> {
  for (let i = 0; i < hostIds.length; i += CHUNK) {
    const ids = hostIds.slice(i, i + CHUNK);
    await tx.query(`UPDATE dploy_hosts SET task = NULL, task_profile = NULL, task_set_at = NULL WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
  }
}

/** Keeps dploy's words for the host tool's status field; the task that ended is forgotten only if it is still the one seen. */
export async function keepStatusWords(tx: EntityManager, hostId: number, words: string, clear?: TakenTask): Promise<void> {
  await tx.query('UPDATE dploy_hosts SET status = ? WHERE id = ?', [words, hostId]);
  if (clear) {
    await tx.query(
      `UPDATE dploy_hosts SET task = NULL, task_profile = NULL, task_set_at = NULL WHERE id = ? AND task = ?${clear.what ? ' AND task_profile = ?' : ''}`,
      [hostId, clear.task, ...(clear.what ? [clear.what] : [])],
    );
  }
}

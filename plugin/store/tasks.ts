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

export async function setHostTask(db: EntityManager, hostId: number, task: TaskValue, profile?: string, image?: string, now = new Date()): Promise<void> {
  // Standalone keeps one "what" column: a profile for install, an image for restore/image.
  const result = await db.getRepository<HostRow>('Host').update(
    { id: hostId },
    { task, task_profile: profile ?? image ?? null, task_set_at: now, updated_at: now },
  );
  if (!result.affected) throw new DployError('DPLOY_ERR_NOT_FOUND', `no host with id ${hostId}`);
}

export async function writeHostStatus(db: EntityManager, hostId: number, status: string, clear?: TakenTask): Promise<void> {
  const now = new Date();
  const hosts = db.getRepository<HostRow>('Host');
  await hosts.update({ id: hostId }, { status: status.slice(0, 255), updated_at: now });
  // A task set while the job ran is kept: it runs next.
  if (clear) await hosts.update({ id: hostId, task: clear.task, ...(clear.what ? { task_profile: clear.what } : {}) }, { task: null, task_profile: null, task_set_at: null, updated_at: now });
}

// Standalone groups: named sets of machines an operator sets tasks on at
// once (OCS and SIM have their own groups).

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { insertReturningId } from './hosts.js';

interface GroupRow {
  id: number;
  name: string;
  description: string | null;
  created_at: Date | string;
}

interface GroupMemberRow {
  group_id: number;
  host_id: number;
}

export interface Group {
  id: number;
  name: string;
  description?: string;
  hostIds: number[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function createGroup(db: EntityManager, name: string, description?: string): Promise<Group> {
  if (!NAME.test(name))
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `group name "${name.slice(0, 60)}" must be letters, digits, dot, dash or underscore (at most 128)`);
  if (await db.getRepository<GroupRow>('Group').findOneBy({ name })) throw new DployError('DPLOY_ERR_CONFLICT', `group ${name} already exists`);
  const id = await insertReturningId(
    db,
    db
      .getRepository<GroupRow>('Group')
      .createQueryBuilder()
      .insert()
      .values({ name, description: description ?? null, created_at: new Date() }),
  );
  return { id, name, ...(description ? { description } : {}), hostIds: [] };
}

export async function getGroup(db: EntityManager, name: string): Promise<Group> {
  const row = await db.getRepository<GroupRow>('Group').findOneBy({ name });
  if (!row) throw new DployError('DPLOY_ERR_NOT_FOUND', `no group "${name}" (dploy groups list)`);
  const members = await db.getRepository<GroupMemberRow>('GroupMember').find({ where: { group_id: Number(row.id) }, order: { host_id: 'ASC' } });
  return { id: Number(row.id), name: row.name, ...(row.description ? { description: row.description } : {}), hostIds: members.map((m) => Number(m.host_id)) };
}

export async function listGroups(db: EntityManager): Promise<Group[]> {
  const rows = await db.getRepository<GroupRow>('Group').find({ order: { name: 'ASC' } });
  return Promise.all(rows.map((row) => getGroup(db, row.name)));
}

export async function addGroupMembers(db: EntityManager, name: string, hostIds: number[]): Promise<Group> {
  const group = await getGroup(db, name);
  const fresh = hostIds.filter((id) => !group.hostIds.includes(id));
  if (fresh.length > 0) {
    await db
      .getRepository<GroupMemberRow>('GroupMember')
      .createQueryBuilder()
      .insert()
      .values(fresh.map((host_id) => ({ group_id: group.id, host_id })))
      .updateEntity(false)
      .execute();
  }
  return getGroup(db, name);
}

export async function removeGroupMembers(db: EntityManager, name: string, hostIds: number[]): Promise<Group> {
  const group = await getGroup(db, name);
  for (const host_id of hostIds) await db.getRepository<GroupMemberRow>('GroupMember').delete({ group_id: group.id, host_id });
  return getGroup(db, name);
}

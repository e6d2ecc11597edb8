// dploy_sessions: console logins. The cookie carries 32 random bytes; the
// table keeps only their SHA-256, beside the session's CSRF token (the
// synchronizer token every form of that session must send back).

import { createHash, randomBytes } from 'node:crypto';
import { LessThan, type EntityManager } from 'typeorm';
import { isRole, type Role } from '../model/role.js';

interface SessionRow {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: Date | string;
  expires_at: Date | string;
}

export interface Session {
  userId: number;
  userName: string;
  role: Role;
  csrfToken: string;
  expiresAt: Date;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Opens a session; `replacing` (the cookie the browser came with) is ended, so no id known before login survives it. */
export async function openSession(db: EntityManager, userId: number, lifetimeMs: number, replacing?: string, now = new Date()): Promise<string> {
  const sessions = db.getRepository<SessionRow>('Session');
  if (replacing) await sessions.delete({ id_hash: sha256(replacing) });
  await sessions.delete({ expires_at: LessThan(now) });
  const id = randomBytes(32).toString('base64url');
  await sessions.insert({
    id_hash: sha256(id),
    user_id: userId,
    csrf_token: randomBytes(32).toString('base64url'),
    created_at: now,
    expires_at: new Date(now.getTime() + lifetimeMs),
  });
  return id;
}

/** The live session behind a cookie value, with its user's current role (a role change applies at once). */
export async function findSession(db: EntityManager, id: string, now = new Date()): Promise<Session | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const rows: Array<SessionRow & { name: string; role: string }> = await db
    .createQueryBuilder()
    .select(['s.user_id AS user_id', 's.csrf_token AS csrf_token', 's.expires_at AS expires_at', 'u.name AS name', 'u.role AS role'])
    .from('dploy_sessions', 's')
    .innerJoin('dploy_users', 'u', 'u.id = s.user_id')
    .where('s.id_hash = :hash', { hash: sha256(id) })
    .getRawMany();
  const row = rows[0];
  if (!row || new Date(row.expires_at) <= now || !isRole(row.role)) return undefined;
  return { userId: Number(row.user_id), userName: row.name, role: row.role, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) };
}

export async function closeSession(db: EntityManager, id: string): Promise<void> {
  await db.getRepository<SessionRow>('Session').delete({ id_hash: sha256(id) });
}

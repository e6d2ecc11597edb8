// API tokens: 32 random bytes shown once at creation; only their SHA-256 is
// stored (a random 256-bit secret needs no slow hash: nothing to brute-force).

import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { isRole, type Role } from '../model/role.js';
import { checkRole } from './users.js';

interface ApiTokenRow {
  id: number;
  name: string;
  token_hash: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
  role: string;
}

export interface ApiTokenHolder {
  name: string;
  role: Role;
}

export const TOKEN_PREFIX = 'dploy_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token's role defaults to admin: what every token could do before tokens had roles. */
export async function createApiToken(db: EntityManager, name: string, role = 'admin'): Promise<{ id: number; token: string; role: Role }> {
  const label = name.trim();
  if (!label || label.length > 128) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'a token name must be 1 to 128 characters');
  const checked = checkRole(role);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const result = await db.getRepository<ApiTokenRow>('ApiToken').insert({ name: label, token_hash: hashToken(token), created_at: new Date(), role: checked });
  return { id: Number(result.identifiers[0]?.id), token, role: checked };
}

/** Who holds the token when it is valid, else undefined. */
export async function verifyApiToken(db: EntityManager, token: string): Promise<ApiTokenHolder | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = await db.getRepository<ApiTokenRow>('ApiToken').findOneBy({ token_hash: hashToken(token) });
  if (!row) return undefined;
  return { name: row.name, role: isRole(row.role) ? row.role : 'viewer' };
}

export async function listApiTokens(db: EntityManager): Promise<Array<{ id: number; name: string; role: string; createdAt: Date }>> {
  const rows = await db.getRepository<ApiTokenRow>('ApiToken').find({ order: { id: 'ASC' } });
  return rows.map((r) => ({ id: Number(r.id), name: r.name, role: r.role, createdAt: new Date(r.created_at) }));
}

/** Revoked at once: the next request with it gets 401. */
export async function revokeApiToken(db: EntityManager, id: number): Promise<{ name: string }> {
  const repo = db.getRepository<ApiTokenRow>('ApiToken');
  const row = await repo.findOneBy({ id });
  if (!row) throw new DployError('DPLOY_ERR_NOT_FOUND', `no API token with id ${id} (dploy token list)`);
  await repo.delete({ id });
  return { name: row.name };
}

// API tokens: 32 random bytes shown once at creation; only their SHA-256 is
// stored (a random 256-bit secret needs no slow hash: nothing to brute-force).

import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';

interface ApiTokenRow {
  id: number;
  name: string;
  token_hash: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}

export const TOKEN_PREFIX = 'dploy_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createApiToken(db: EntityManager, name: string): Promise<{ id: number; token: string }> {
  const label = name.trim();
  if (!label || label.length > 128) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'a token name must be 1 to 128 characters');
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const result = await db.getRepository<ApiTokenRow>('ApiToken').insert({ name: label, token_hash: hashToken(token), created_at: new Date() });
  return { id: Number(result.identifiers[0]?.id), token };
}

/** The token's name when it is valid, else undefined. */
export async function verifyApiToken(db: EntityManager, token: string): Promise<string | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = await db.getRepository<ApiTokenRow>('ApiToken').findOneBy({ token_hash: hashToken(token) });
  return row?.name;
}

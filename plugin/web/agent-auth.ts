// Machines in discovery authenticate with the site enrollment token, sent as
// "X-Dploy-Token", "Authorization: Bearer", or ?token= for a plain busybox
// wget that cannot set headers on every version.

import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { enrollmentToken } from '../store/settings.js';

/**
 * The token is read from the database at most every `cacheMs` (a discovery
 * storm would otherwise spend a query per post on it). A token that does not
 * match the cached one is checked against a fresh read before it is refused,
 * so a rotation is seen at once; the old token stops working within `cacheMs`.
 */
export function enrollmentGuard(db: DataSource, cacheMs = 5000) {
  let cached: { token: Buffer; at: number } | undefined;
  const expected = async (fresh: boolean): Promise<Buffer> => {
    if (fresh || !cached || Date.now() - cached.at >= cacheMs) cached = { token: Buffer.from(await enrollmentToken(db.manager)), at: Date.now() };
    return cached.token;
  };
  return async (request: FastifyRequest): Promise<void> => {
    const presented = presentedToken(request);
    if (!presented)
      throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'missing enrollment token: pass dploy.token=… on the kernel command line (see "dploy token enrollment")');
    const given = Buffer.from(presented);
    if (!sameToken(given, await expected(false)) && !sameToken(given, await expected(true))) {
      throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'wrong enrollment token: compare dploy.token=… on the kernel command line with "dploy token enrollment"');
    }
  };
}

function sameToken(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-dploy-token'];
  if (typeof header === 'string' && header) return header.trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof query === 'string' && query ? query : undefined;
}

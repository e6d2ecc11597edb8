// Machines in discovery authenticate with the site enrollment token, sent as
// "X-Dploy-Token", "Authorization: Bearer", or ?token= for a plain busybox
// wget that cannot set headers on every version.

import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { enrollmentToken } from '../store/settings.js';

export function enrollmentGuard(db: DataSource) {
  return async (request: FastifyRequest): Promise<void> => {
    const presented = presentedToken(request);
    if (!presented) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'missing enrollment token: pass dploy.token=… on the kernel command line (see "dploy token enrollment")');
    const expected = Buffer.from(await enrollmentToken(db.manager));
    const given = Buffer.from(presented);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'wrong enrollment token: compare dploy.token=… on the kernel command line with "dploy token enrollment"');
    }
  };
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-dploy-token'];
  if (typeof header === 'string' && header) return header.trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof query === 'string' && query ? query : undefined;
}

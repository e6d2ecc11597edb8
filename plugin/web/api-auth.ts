// API token check for /api/v1: "Authorization: Bearer dploy_…".

import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { verifyApiToken } from '../store/api-tokens.js';

export function apiTokenGuard(db: DataSource) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token)
      throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'missing API token: send "Authorization: Bearer <token>" (create one with "dploy token create")');
    const name = await verifyApiToken(db.manager, token);
    if (!name) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'API token not recognised (revoked, mistyped, or from another dploy database)');
  };
}

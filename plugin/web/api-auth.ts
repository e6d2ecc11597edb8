// Who is asking, for /api/v1 ("Authorization: Bearer dploy_…") and the
// console (its session cookie, console/console-session.ts): each sets the
// request's caller, and each route names the permission it needs.

import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { may, PERMISSIONS, type Permission, type Role } from '../model/role.js';
import { verifyApiToken } from '../store/api-tokens.js';

export interface Caller {
  /** What the audit log records: "api:<token name>", "console:<user>". */
  actor: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export function requirePermission(request: FastifyRequest, permission: Permission): Caller {
  const caller = request.caller;
  if (!caller) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'log in first');
  if (!may(caller.role, permission))
    throw new DployError('DPLOY_ERR_FORBIDDEN', `${permission} needs the ${PERMISSIONS[permission]} role; ${caller.actor} has ${caller.role}`);
  return caller;
}

export function apiTokenGuard(db: DataSource, permission: Permission = 'read') {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token)
      throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'missing API token: send "Authorization: Bearer <token>" (create one with "dploy token create")');
    const holder = await verifyApiToken(db.manager, token);
    if (!holder) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'API token not recognised (revoked, mistyped, or from another dploy database)');
    request.caller = { actor: `api:${holder.name}`, role: holder.role };
    requirePermission(request, permission);
  };
}

/** A route's options for its token check: the guard, and the permission for the OpenAPI document (openapi.ts). */
export function apiAccess(db: DataSource, permission: Permission) {
  return { onRequest: apiTokenGuard(db, permission), config: { permission } };
}

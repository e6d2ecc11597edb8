// Each console route names the permission it needs (model/role.ts). A
// visitor without a session is sent to the login page; a form that changes
// anything must carry its session's CSRF token.

import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { requirePermission } from '../api-auth.js';
import type { Permission } from '../../model/role.js';
import { checkCsrf } from './console-session.js';

export function allow(permission: Permission): preHandlerHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.session && request.method === 'GET') return reply.redirect('/login', 303);
    // A form posted without a session: 401, which the console's error handler also turns into the login page.
    requirePermission(request, permission);
    if (request.method === 'POST') checkCsrf(request);
  };
}

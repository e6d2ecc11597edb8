// POST /api/v1/tokens (admins): a new API token with a role, shown in this
// answer only; dploy keeps its SHA-256.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { ROLES } from '../../model/role.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../store/api-tokens.js';
import { recordAudit } from '../../store/audit-log.js';
import { apiAccess } from '../api-auth.js';
import { tokenCreatedSchema, tokenListSchema, tokenRevokedSchema } from '../api-schemas.js';

export function apiTokenRoutes(app: FastifyInstance, deps: { db: DataSource }): void {
  const admin = apiAccess(deps.db, 'manage-tokens');
  app.get(
    '/api/v1/tokens',
    { ...admin, schema: { summary: 'API tokens (names and roles, never the tokens)', response: { 200: tokenListSchema } } },
    async () => ({
      tokens: await listApiTokens(deps.db.manager),
    }),
  );
  const body = {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, role: { type: 'string', enum: [...ROLES], default: 'viewer' } },
  };
  app.post<{ Body: { name: string; role: string } }>(
    '/api/v1/tokens',
    { ...admin, schema: { summary: 'create a token; it is in this answer only', body, response: { 201: tokenCreatedSchema } } },
    async (request, reply) => {
      const created = await createApiToken(deps.db.manager, request.body.name, request.body.role);
      await recordAudit(deps.db.manager, { actor: request.caller!.actor, action: 'token.create', target: request.body.name, detail: created.role });
      return reply.code(201).send(created);
    },
  );
  const byId = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] };
  app.delete<{ Params: { id: number } }>(
    '/api/v1/tokens/:id',
    { ...admin, schema: { summary: 'revoke a token', params: byId, response: { 200: tokenRevokedSchema } } },
    async (request) => {
      const revoked = await revokeApiToken(deps.db.manager, request.params.id);
      await recordAudit(deps.db.manager, { actor: request.caller!.actor, action: 'token.revoke', target: revoked.name });
      return { id: request.params.id, revoked: true };
    },
  );
}

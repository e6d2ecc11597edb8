// Admins only: API tokens (list, create with a role, shown once), the audit
// log of who set which task, cancelled which job, changed what, and the
// effective configuration with its secrets masked.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { ROLES } from '../../model/role.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../store/api-tokens.js';
import { DployError } from '../../errors.js';
import { listAudit, recordAudit } from '../../store/audit-log.js';
import { allow } from './console-access.js';
import { renderPage } from './console-views.js';

export function adminPages(app: FastifyInstance, deps: { db: DataSource; settings?: ReadonlyArray<{ key: string; value: string }> }): void {
  const db = deps.db.manager;
  const tokensPage = async (created?: { name: string; role: string; token: string }) => ({
    title: 'API tokens',
    tokens: await listApiTokens(db),
    roles: ROLES,
    ...(created ? { created } : {}),
  });

  app.get('/tokens', { preHandler: allow('manage-tokens') }, async (_request, reply) => renderPage(reply, 'tokens', await tokensPage()));
  app.post<{ Body: Record<string, string | undefined> }>('/tokens', { preHandler: allow('manage-tokens') }, async (request, reply) => {
    const name = request.body.name ?? '';
    const created = await createApiToken(db, name, request.body.role ?? 'viewer');
    await recordAudit(db, { actor: request.caller!.actor, action: 'token.create', target: name, detail: created.role });
    // Shown in this answer only: the database keeps its hash.
    return renderPage(reply, 'tokens', await tokensPage({ name: name.trim(), role: created.role, token: created.token }));
  });
  app.post<{ Params: { id: string } }>('/tokens/:id/revoke', { preHandler: allow('manage-tokens') }, async (request, reply) => {
    if (!/^\d{1,9}$/.test(request.params.id)) throw new DployError('DPLOY_ERR_NOT_FOUND', `no API token ${request.params.id.slice(0, 40)}`);
    const revoked = await revokeApiToken(db, Number(request.params.id));
    await recordAudit(db, { actor: request.caller!.actor, action: 'token.revoke', target: revoked.name });
    return reply.redirect('/tokens', 303);
  });
  app.get('/settings', { preHandler: allow('read-settings') }, async (_request, reply) =>
    renderPage(reply, 'settings', { title: 'Settings', settings: deps.settings ?? [] }),
  );
  app.get('/audit', { preHandler: allow('read-audit') }, async (_request, reply) =>
    renderPage(reply, 'audit', { title: 'Audit log', entries: await listAudit(db, 200) }),
  );
}

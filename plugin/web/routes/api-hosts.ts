// JSON API over the hosts, behind an API token.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { getHost, listHosts } from '../../store/hosts.js';
import { apiTokenGuard } from '../api-auth.js';
import { hostView } from '../../model/host-view.js';

export function apiHostRoutes(app: FastifyInstance, deps: { db: DataSource }): void {
  const onRequest = apiTokenGuard(deps.db);
  app.get('/api/v1/hosts', { onRequest }, async () => ({ hosts: (await listHosts(deps.db.manager)).map(hostView) }));
  app.get<{ Params: { id: string } }>('/api/v1/hosts/:id', { onRequest }, async (request) => hostView(await getHost(deps.db.manager, request.params.id)));
}

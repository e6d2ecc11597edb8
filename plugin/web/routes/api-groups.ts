// JSON API over standalone groups (read): what `dploy groups list|show` prints.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { getGroup, listGroups } from '../../store/groups.js';
import { apiAccess } from '../api-auth.js';
import { groupListSchema, groupSchema } from '../api-schemas.js';

export function apiGroupRoutes(app: FastifyInstance, deps: { db: DataSource }): void {
  const read = apiAccess(deps.db, 'read');
  app.get('/api/v1/groups', { ...read, schema: { summary: 'every group with its member host ids', response: { 200: groupListSchema } } }, async () => ({
    groups: await listGroups(deps.db.manager),
  }));
  const named = { type: 'object', properties: { name: { type: 'string', maxLength: 128 } }, required: ['name'] };
  app.get<{ Params: { name: string } }>(
    '/api/v1/groups/:name',
    { ...read, schema: { summary: 'one group', params: named, response: { 200: groupSchema } } },
    async (request) => getGroup(deps.db.manager, request.params.name),
  );
}

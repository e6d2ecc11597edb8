// JSON API over the hosts, behind an API token.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { getHost, listHosts } from '../../store/hosts.js';
import { apiAccess, type Caller } from '../api-auth.js';
import { hostView } from '../../model/host-view.js';
import type { Host } from '../../model/host.js';
import { may } from '../../model/role.js';

/** A viewer sees no BMC address: it is the way in to the machine's console and power. */
function visibleHost(host: Host, caller: Caller | undefined) {
  const view = hostView(host);
  return caller && may(caller.role, 'see-bmc') ? view : { ...view, bmcAddress: null };
}

export function apiHostRoutes(app: FastifyInstance, deps: { db: DataSource }): void {
  const read = apiAccess(deps.db, 'read');
  app.get('/api/v1/hosts', { ...read, schema: { summary: 'every host (bmcAddress null for a viewer)' } }, async (request) => ({
    hosts: (await listHosts(deps.db.manager)).map((host) => visibleHost(host, request.caller)),
  }));
  const byRef = { summary: 'one host by id, name or MAC', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
  app.get<{ Params: { id: string } }>('/api/v1/hosts/:id', { ...read, schema: byRef }, async (request) =>
    visibleHost(await getHost(deps.db.manager, request.params.id), request.caller),
  );
}

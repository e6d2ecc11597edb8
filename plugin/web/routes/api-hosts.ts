// JSON API over the hosts, behind an API token.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { getHost, listHosts } from '../../store/hosts.js';
import { pageOfHosts } from '../../store/host-search.js';
import { apiAccess, type Caller } from '../api-auth.js';
import { hostView } from '../../model/host-view.js';
import type { Host, NewHost } from '../../model/host.js';
import type { Platform } from '../../platforms/index.js';
import { recordAudit } from '../../store/audit-log.js';
import { may } from '../../model/role.js';

/** A viewer sees no BMC address: it is the way in to the machine's console and power. */
function visibleHost(host: Host, caller: Caller | undefined) {
  const view = hostView(host);
  return caller && may(caller.role, 'see-bmc') ? view : { ...view, bmcAddress: null };
}

const newHost = {
  type: 'object',
  required: ['name', 'macs'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    macs: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 64 }, description: 'the boot NIC first' },
    bmcAddress: { type: 'string', maxLength: 255, description: 'where its BMC is: a host name or IP address' },
  },
};

export function apiHostRoutes(app: FastifyInstance, deps: { db: DataSource; platform: Platform }): void {
  const read = apiAccess(deps.db, 'read');
  const listQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      q: { type: 'string', maxLength: 200, description: 'part of a name, serial or MAC' },
      status: { type: 'string', maxLength: 200, description: 'status starts with' },
      group: { type: 'string', maxLength: 128 },
      bootState: { type: 'string', maxLength: 16 },
      offset: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
    },
  };
  app.get<{ Querystring: { q?: string; status?: string; group?: string; bootState?: string; offset?: number; limit?: number } }>(
    '/api/v1/hosts',
    {
      ...read,
      schema: { summary: 'hosts by name order; with any parameter one page and the total, else all (bmcAddress null for a viewer)', querystring: listQuery },
    },
    async (request) => {
      const q = request.query;
      if (Object.keys(q).length === 0) return { hosts: (await listHosts(deps.db.manager)).map((host) => visibleHost(host, request.caller)) };
      const page = await pageOfHosts(deps.db.manager, {
        ...(q.q ? { search: q.q } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.group ? { group: q.group } : {}),
        ...(q.bootState ? { bootState: q.bootState } : {}),
        offset: q.offset ?? 0,
        limit: q.limit ?? 100,
      });
      return { hosts: page.hosts.map((host) => visibleHost(host, request.caller)), total: page.total };
    },
  );
  const byRef = { summary: 'one host by id, name or MAC', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
  app.get<{ Params: { id: string } }>('/api/v1/hosts/:id', { ...read, schema: byRef }, async (request) =>
    visibleHost(await getHost(deps.db.manager, request.params.id), request.caller),
  );
  const edit = apiAccess(deps.db, 'edit-hosts');
  app.post<{ Body: NewHost }>(
    '/api/v1/hosts',
    { ...edit, schema: { summary: 'add a machine by hand, as dploy hosts add', body: newHost } },
    async (request, reply) => {
      const host = await deps.platform.addHost(request.body);
      await recordAudit(deps.db.manager, { actor: request.caller!.actor, action: 'host.add', target: host.name, detail: host.macs.join(' ') });
      return reply.code(201).send(visibleHost(host, request.caller));
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/hosts/:id',
    { ...edit, schema: { summary: 'forget a machine (MACs, inventories, jobs), as dploy hosts forget', params: byRef.params } },
    async (request) => {
      const host = await getHost(deps.db.manager, request.params.id);
      await deps.platform.forgetHost(host.id);
      await recordAudit(deps.db.manager, { actor: request.caller!.actor, action: 'host.forget', target: host.name });
      return { id: host.id, name: host.name, forgotten: true };
    },
  );
}

// JSON API over the hosts, behind an API token.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { getHost } from '../../store/hosts.js';
import { DployError } from '../../errors.js';
import { pageOfHosts } from '../../store/host-search.js';
import { apiAccess, type Caller } from '../api-auth.js';
import { hostView } from '../../model/host-view.js';
import type { Host, NewHost } from '../../model/host.js';
import type { Platform } from '../../platforms/index.js';
import { recordAudit } from '../../store/audit-log.js';
import { may } from '../../model/role.js';
import { linkNext } from '../page-link.js';
import { hostForgottenSchema, hostPageSchema, hostSchema } from '../api-schemas.js';

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

/** A page's size when the caller names none: 100 hosts are about 40 KB; every host at once was 3.9 MB at 10,000. */
const HOSTS_PAGE = 100;

interface HostListQuery {
  q?: string;
  status?: string;
  group?: string;
  bootState?: string;
  limit: number;
  after?: string;
  offset?: number;
}

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
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: HOSTS_PAGE },
      after: { type: 'string', minLength: 1, maxLength: 255, description: "the cursor of the previous answer's next link: the last name it had" },
      offset: { type: 'integer', minimum: 0, description: 'hosts to skip; next links use after instead' },
    },
  };
  app.get<{ Querystring: HostListQuery }>(
    '/api/v1/hosts',
    {
      ...read,
      schema: {
        summary: "one page of hosts by name, the total and the next page's link (bmcAddress null for a viewer)",
        querystring: listQuery,
        response: { 200: hostPageSchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.after !== undefined && q.offset !== undefined) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'querystring: give after or offset, not both');
      const filter = { search: q.q, status: q.status, group: q.group, bootState: q.bootState };
      const page = await pageOfHosts(deps.db.manager, { ...filter, offset: q.offset ?? 0, limit: q.limit, afterName: q.after });
      const next = linkNext(reply, '/api/v1/hosts', q, { more: page.more, lastName: page.hosts.at(-1)?.name });
      return { hosts: page.hosts.map((host) => visibleHost(host, request.caller)), total: page.total, next };
    },
  );
  const byRef = { summary: 'one host by id, name or MAC', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
  app.get<{ Params: { id: string } }>('/api/v1/hosts/:id', { ...read, schema: { ...byRef, response: { 200: hostSchema } } }, async (request) =>
    visibleHost(await getHost(deps.db.manager, request.params.id), request.caller),
  );
  const edit = apiAccess(deps.db, 'edit-hosts');
  app.post<{ Body: NewHost }>(
    '/api/v1/hosts',
    { ...edit, schema: { summary: 'add a machine by hand, as dploy hosts add', body: newHost, response: { 201: hostSchema } } },
    async (request, reply) => {
      const host = await deps.platform.addHost(request.body);
      await recordAudit(deps.db.manager, { actor: request.caller!.actor, action: 'host.add', target: host.name, detail: host.macs.join(' ') });
      return reply.code(201).send(visibleHost(host, request.caller));
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/hosts/:id',
    {
      ...edit,
      schema: { summary: 'forget a machine (MACs, inventories, jobs), as dploy hosts forget', params: byRef.params, response: { 200: hostForgottenSchema } },
    },
    async (request) => {
      const host = await getHost(deps.db.manager, request.params.id);
      await deps.platform.forgetHost(host.id);
      await recordAudit(deps.db.manager, { actor: request.caller!.actor, action: 'host.forget', target: host.name });
      return { id: host.id, name: host.name, forgotten: true };
    },
  );
}

// The machine side of jobs:
//   GET  /agent/v1/next?mac=…        what a machine waiting in mindi does next
//   POST /agent/v1/events            progress from scripts and installers
// A machine identifies itself by MAC with the site enrollment token, or, from
// an installer, by its job's secret token (it is in the answer-file URL).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { AGENT_EVENTS, applyAgentEvent, nextActionFor, type AgentEvent, type JobKinds } from '../../jobs/index.js';
import { reportStatus } from '../../jobs/runner.js';
import type { Platform } from '../../platforms/index.js';
import type { Host } from '../../model/host.js';
import { getHost } from '../../store/hosts.js';
import { activeJobForHost, findJobByToken } from '../../store/jobs.js';
import { normalizeMac } from '../../model/mac.js';
import { enrollmentGuard } from '../agent-auth.js';
import { replyForAgent } from '../agent-reply.js';

interface Deps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
}

const LOG_TAIL_BYTES = 1500;

export function agentJobRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = enrollmentGuard(deps.db);

  app.get<{ Querystring: Record<string, string | undefined> }>('/agent/v1/next', { onRequest: guard }, async (request, reply) => {
    const host = await hostFrom(deps.db, request.query);
    const job = await activeJobForHost(deps.db.manager, host.id);
    const next = nextActionFor(host);
    return replyForAgent(request, reply, {
      host_id: host.id, host_name: host.name, action: next.action, poll_seconds: next.pollSeconds, reason: next.reason,
      job_id: job?.id, job_state: job?.state,
    });
  });

  app.post<{ Body: Record<string, unknown> }>('/agent/v1/events', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const event = String(body.event ?? '');
    if (!(AGENT_EVENTS as readonly string[]).includes(event)) {
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `event must be one of ${AGENT_EVENTS.join(', ')}; got "${event.slice(0, 40)}"`);
    }
    const host = await callerHost(deps, request, body);
    const message = [text(body.message, 500), tail(body.log)].filter(Boolean).join(' | log: ');
    const result = await applyAgentEvent(deps.db, deps.kinds, host.id, event as AgentEvent, message);
    if (result.job && result.outcome === 'moved') await reportStatus({ platform: deps.platform, kinds: deps.kinds, log: request.log }, result.job);
    request.log.info({ hostId: host.id, jobId: result.job?.id, event, outcome: result.outcome }, 'agent event');
    return replyForAgent(request, reply, { outcome: result.outcome, job_id: result.job?.id, job_state: result.job?.state });
  });
}

/** A job token proves who is calling; without one, the enrollment token and a MAC or host id. */
async function callerHost(deps: Deps, request: FastifyRequest, body: Record<string, unknown>): Promise<Host> {
  const token = typeof body.token === 'string' ? body.token : undefined;
  if (token) {
    const job = await findJobByToken(deps.db.manager, token);
    if (!job) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'unknown job token (the job may have been replaced; see dploy jobs list)');
    return getHost(deps.db.manager, job.hostId);
  }
  await enrollmentGuard(deps.db)(request);
  return hostFrom(deps.db, { mac: stringOrUndefined(body.mac), host: stringOrUndefined(body.host_id) });
}

async function hostFrom(db: DataSource, query: Record<string, string | undefined>): Promise<Host> {
  if (query.mac) {
    const mac = normalizeMac(query.mac);
    if (!mac) throw new DployError('DPLOY_ERR_INVALID_INPUT', `"${query.mac.slice(0, 40)}" is not a MAC address`);
    return getHost(db.manager, mac);
  }
  if (query.host && /^\d+$/.test(query.host)) return getHost(db.manager, Number(query.host));
  throw new DployError('DPLOY_ERR_INVALID_INPUT', 'say which machine is asking: ?mac=<boot NIC MAC> or ?host=<id>');
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function text(value: unknown, max: number): string {
  return typeof value === 'string' ? value.replace(/[\u0000-\u0008\u000b-\u001f]/g, ' ').slice(0, max) : '';
}

/** Installers send their log's last lines; keep the end, where the error is. */
function tail(value: unknown): string {
  const log = text(value, 1 << 20);
  return log.length > LOG_TAIL_BYTES ? `…${log.slice(-LOG_TAIL_BYTES)}` : log;
}

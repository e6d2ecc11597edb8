// The machine side of jobs:
//   GET  /agent/v1/next?mac=…        what a machine waiting in mindi does next
//   POST /agent/v1/events            progress from scripts and installers
// A waiting machine asks by MAC with the site enrollment token; an event names
// its job by that job's secret token (it is in the answer-file URL).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { AGENT_EVENTS, applyAgentEvent, nextActionFor, type AgentEvent, type JobKinds } from '../../jobs/index.js';
import { reportStatus } from '../../jobs/runner.js';
import type { Platform } from '../../platforms/index.js';
import type { Host } from '../../model/host.js';
import type { Job } from '../../model/job.js';
import { getHost } from '../../store/hosts.js';
import { activeJobForHost } from '../../store/jobs.js';
import type { JobTokens } from '../../jobs/job-token.js';
import { jobOfCaller } from '../job-auth.js';
import { normalizeMac } from '../../model/mac.js';
import { enrollmentGuard } from '../agent-auth.js';
import { replyForAgent } from '../agent-reply.js';

interface Deps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
  jobTokens: JobTokens;
}

const LOG_TAIL_BYTES = 1500;
/**
 * An event is a token, a word, a message and the installer log's last 40
 * lines (callback.sh): a few KiB. The token is in the body, so the body is
 * read before it is checked; this keeps that read small for anyone.
 */
const EVENT_BODY_LIMIT_BYTES = 64 * 1024;

export function agentJobRoutes(app: FastifyInstance, deps: Deps): void {
  const guard = enrollmentGuard(deps.db);

  // By MAC only: a host id would let the public enrollment token walk every machine.
  app.get<{ Querystring: Record<string, string | undefined> }>('/agent/v1/next', { onRequest: guard, bodyLimit: 1024 }, async (request, reply) => {
    const host = await hostByMac(deps.db, request.query.mac);
    const job = await activeJobForHost(deps.db.manager, host.id);
    const next = nextActionFor(host);
    return replyForAgent(request, reply, {
      host_id: host.id,
      host_name: host.name,
      action: next.action,
      poll_seconds: next.pollSeconds,
      reason: next.reason,
      job_id: job?.id,
      job_state: job?.state,
    });
  });

  app.post<{ Body: Record<string, unknown> }>('/agent/v1/events', { bodyLimit: EVENT_BODY_LIMIT_BYTES }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const job = await callerJob(deps, request, body);
    const event = String(body.event ?? '');
    if (!(AGENT_EVENTS as readonly string[]).includes(event)) {
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `event must be one of ${AGENT_EVENTS.join(', ')}; got "${event.slice(0, 40)}"`);
    }
    const message = [text(body.message, 500), tail(body.log)].filter(Boolean).join(' | log: ');
    const result = await applyAgentEvent(deps.db, deps.kinds, job, event as AgentEvent, message);
    if (result.job && result.outcome === 'moved') await reportStatus({ platform: deps.platform, kinds: deps.kinds, log: request.log }, result.job);
    request.log.info({ hostId: job.hostId, jobId: job.id, event, outcome: result.outcome }, 'agent event');
    return replyForAgent(request, reply, { outcome: result.outcome, job_id: result.job?.id, job_state: result.job?.state });
  });
}

/** Job events need that job's token (docs/security.md): the enrollment token is public. */
async function callerJob(deps: Deps, request: FastifyRequest, body: Record<string, unknown>): Promise<Job> {
  const token = typeof body.token === 'string' ? body.token : undefined;
  if (!token) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'missing job token: an event names its job by the token of its answer-file URL');
  const caller = await jobOfCaller(deps.db, deps.jobTokens, request, token);
  if (caller.ok) return caller.job;
  throw new DployError(
    'DPLOY_ERR_UNAUTHORIZED',
    caller.reason === 'other-address'
      ? 'this job is bound to the address that booted it; events from elsewhere are refused (docs/security.md)'
      : 'unknown job token (the job may have been replaced; see dploy jobs list)',
  );
}

async function hostByMac(db: DataSource, given: string | undefined): Promise<Host> {
  if (!given) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'say which machine is asking: ?mac=<boot NIC MAC>');
  const mac = normalizeMac(given);
  if (!mac) throw new DployError('DPLOY_ERR_INVALID_INPUT', `"${given.slice(0, 40)}" is not a MAC address`);
  return getHost(db.manager, mac);
}

function text(value: unknown, max: number): string {
  return typeof value === 'string' ? value.replace(/[\u0000-\u0008\u000b-\u001f]/g, ' ').slice(0, max) : '';
}

/** Installers send their log's last lines; keep the end, where the error is. */
function tail(value: unknown): string {
  const log = text(value, 1 << 20);
  return log.length > LOG_TAIL_BYTES ? `…${log.slice(-LOG_TAIL_BYTES)}` : log;
}

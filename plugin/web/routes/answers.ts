// GET /answers/<job-token>[/<part>]: the answer file of an active install
// job, and only then; parts are the files it fetches (post.sh, callback.sh,
// and for subiquity's NoCloud seed user-data and meta-data). Serving the
// answer file is the "answer-fetched" event that moves the job from booting
// to installing. An unknown or finished token, a client other than the one
// the job is bound to, and a fetch past agent.answerFetches all get the same
// bare 404 as a malformed token: nothing tells a prober that a job exists.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { isTerminal, runsInstaller } from '../../model/job.js';
import { applyAgentEvent, type JobKinds } from '../../jobs/index.js';
import { reportStatus } from '../../jobs/runner.js';
import type { Platform } from '../../platforms/index.js';
import { ANSWER_PART_NAMES, type AnswerPart, DEFAULT_SECRET_KEY_FILE, jobAnswerInputs, type MirrorView, renderAnswerFile } from '../../installers/index.js';
import { openSecretBox } from '../../secret-box.js';
import type { JobTokens } from '../../jobs/job-token.js';
import { getHost } from '../../store/hosts.js';
import { countAnswerFetch } from '../../store/job-binding.js';
import { jobOfCaller } from '../job-auth.js';

export interface AnswerDeps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
  httpBaseUrl: () => string;
  answerTemplateDir?: string;
  /** Key file that opens the sealed password hashes (default ./var/secret.key). */
  secretKeyFile?: string;
  mirror?: MirrorView;
  jobTokens: JobTokens;
  /** agent.answerFetches: times the answer file itself is served per job. */
  answerFetches: number;
  /** runner.installTimeoutSeconds: how long callback.sh retries. */
  callbackSeconds?: number;
}

const NOT_HERE = 'no answer file here';

export function answerRoutes(app: FastifyInstance, deps: AnswerDeps): void {
  app.get<{ Params: { token: string } }>('/answers/:token', (request, reply) => serve(deps, request, reply, request.params.token, 'answer'));
  app.get<{ Params: { token: string; part: string } }>('/answers/:token/:part', (request, reply) => {
    const part = Object.hasOwn(ANSWER_PART_NAMES, request.params.part) ? ANSWER_PART_NAMES[request.params.part] : undefined;
    if (!part) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
    return serve(deps, request, reply, request.params.token, part);
  });
}

async function serve(deps: AnswerDeps, request: FastifyRequest, reply: FastifyReply, token: string, part: AnswerPart): Promise<FastifyReply> {
  const caller = await jobOfCaller(deps.db, deps.jobTokens, request, token);
  const job = caller.ok ? caller.job : undefined;
  if (!job || !runsInstaller(job.kind) || isTerminal(job.state) || !job.profile) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
  if (part === 'answer' && !(await countAnswerFetch(deps.db.manager, job.id, deps.answerFetches))) {
    request.log.warn({ jobId: job.id, hostId: job.hostId }, 'answer file refused: served agent.answerFetches times already');
    throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
  }
  const host = await getHost(deps.db.manager, job.hostId);
  const inputs = await jobAnswerInputs(deps.db.manager, host, { ...job, token }, job.profile, {
    httpBaseUrl: deps.httpBaseUrl(),
    ...(deps.callbackSeconds ? { callbackSeconds: deps.callbackSeconds } : {}),
    secrets: openSecretBox(deps.secretKeyFile ?? DEFAULT_SECRET_KEY_FILE),
    ...(deps.mirror ? { mirror: deps.mirror } : {}),
  });
  const text = renderAnswerFile({ ...inputs, ...(deps.answerTemplateDir ? { overrideDir: deps.answerTemplateDir } : {}) }, part);
  if (part === 'answer') {
    const moved = await applyAgentEvent(deps.db, deps.kinds, job, 'answer-fetched', `answer file served to ${request.ip}`);
    if (moved.outcome === 'moved' && moved.job) await reportStatus({ platform: deps.platform, kinds: deps.kinds, log: request.log }, moved.job);
  }
  request.log.info({ jobId: job.id, hostId: host.id, part }, 'answer file served');
  return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);
}

// GET /answers/<job-token>[/<part>]: the answer file of an active install
// job, and only then; parts are the files it fetches (post.sh, callback.sh,
// and for subiquity's NoCloud seed user-data and meta-data). Serving the
// answer file is the "answer-fetched" event that moves the job from booting
// to installing. An unknown or finished token gets the same bare 404 as a
// malformed one: nothing tells a prober that a job exists.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { isTerminal } from '../../model/job.js';
import { applyAgentEvent, type JobKinds } from '../../jobs/index.js';
import { reportStatus } from '../../jobs/runner.js';
import type { Platform } from '../../platforms/index.js';
import { ANSWER_PART_NAMES, renderAnswerFile, type AnswerPart } from '../../installers/linuxcoe/answer-file.js';
import type { MirrorView } from '../../installers/linuxcoe/install-source.js';
import { jobAnswerInputs } from '../../installers/linuxcoe/job-answer.js';
import { DEFAULT_SECRET_KEY_FILE } from '../../installers/linuxcoe/profile-store.js';
import { openSecretBox } from '../../installers/linuxcoe/secret-box.js';
import { getHost } from '../../store/hosts.js';
import { findJobByToken } from '../../store/jobs.js';

export interface AnswerDeps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
  httpBaseUrl: () => string;
  answerTemplateDir?: string;
  /** Key file that opens the sealed password hashes (default ./var/secret.key). */
  secretKeyFile?: string;
  mirror?: MirrorView;
}

export function answerRoutes(app: FastifyInstance, deps: AnswerDeps): void {
  app.get<{ Params: { token: string } }>('/answers/:token', (request, reply) => serve(deps, request, reply, request.params.token, 'answer'));
  app.get<{ Params: { token: string; part: string } }>('/answers/:token/:part', (request, reply) => {
    const part = Object.hasOwn(ANSWER_PART_NAMES, request.params.part) ? ANSWER_PART_NAMES[request.params.part] : undefined;
    if (!part) throw new DployError('DPLOY_ERR_NOT_FOUND', 'no answer file here');
    return serve(deps, request, reply, request.params.token, part);
  });
}

async function serve(deps: AnswerDeps, request: FastifyRequest, reply: FastifyReply, token: string, part: AnswerPart): Promise<FastifyReply> {
  const job = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await findJobByToken(deps.db.manager, token) : undefined;
  if (!job || job.kind !== 'install' || isTerminal(job.state) || !job.profile) throw new DployError('DPLOY_ERR_NOT_FOUND', 'no answer file here');
  const host = await getHost(deps.db.manager, job.hostId);
  const inputs = await jobAnswerInputs(deps.db.manager, host, job, job.profile, {
    httpBaseUrl: deps.httpBaseUrl(), secrets: openSecretBox(deps.secretKeyFile ?? DEFAULT_SECRET_KEY_FILE), ...(deps.mirror ? { mirror: deps.mirror } : {}),
  });
  const text = renderAnswerFile({ ...inputs, ...(deps.answerTemplateDir ? { overrideDir: deps.answerTemplateDir } : {}) }, part);
  if (part === 'answer') {
    const moved = await applyAgentEvent(deps.db, deps.kinds, host.id, 'answer-fetched', `answer file served to ${request.ip}`);
    if (moved.outcome === 'moved' && moved.job) await reportStatus({ platform: deps.platform, kinds: deps.kinds, log: request.log }, moved.job);
  }
  request.log.info({ jobId: job.id, hostId: host.id, part }, 'answer file served');
  return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);
}

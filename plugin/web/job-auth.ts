// Who may act on a job (docs/security.md): the holder of its token, from the
// address the job is bound to. The first client to present a valid token of
// an unbound job binds it. A refusal is logged with both addresses: the
// machine's side shows only a status code, and a wrong address is either an
// attacker or a machine whose address changed between firmware and installer.

import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { isDployError } from '../errors.js';
import type { Job } from '../model/job.js';
import type { JobTokens } from '../jobs/job-token.js';
import { bindJobAddress, plainAddress } from '../store/job-binding.js';
import { getJob } from '../store/jobs.js';

export type JobCaller = { ok: true; job: Job } | { ok: false; reason: 'unknown-token' | 'other-address' };

export async function jobOfCaller(db: DataSource, tokens: JobTokens, request: FastifyRequest, token: string): Promise<JobCaller> {
  const id = tokens.jobIdOf(token);
  // Only "no such job" reads as a wrong token: a database outage must stay a 503 the installer retries.
  const job =
    id === undefined
      ? undefined
      : await getJob(db.manager, id).catch((err: unknown) => {
          if (isDployError(err, 'DPLOY_ERR_NOT_FOUND')) return undefined;
          throw err;
        });
  if (!job || !tokens.matches(token, job)) return { ok: false, reason: 'unknown-token' };
  const from = plainAddress(request.ip);
  const bound = job.bootAddress ?? (await bindJobAddress(db.manager, job.id, from));
  if (bound !== from) {
    request.log.warn({ jobId: job.id, hostId: job.hostId, boundTo: bound, from }, 'job token refused: the job is bound to another address');
    return { ok: false, reason: 'other-address' };
  }
  return { ok: true, job: { ...job, bootAddress: bound } };
}

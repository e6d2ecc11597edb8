// Jobs (GET /jobs), one job with its event log (GET /jobs/:id), and
// cancelling one (POST /jobs/:id/cancel, operators), as `dploy jobs` does.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { isTerminal } from '../../model/job.js';
import { findHost } from '../../store/hosts.js';
import { getJob, jobEvents, listJobs } from '../../store/jobs.js';
import { cancelJob } from '../../jobs/cancel-job.js';
import type { JobKinds } from '../../jobs/index.js';
import type { Platform } from '../../platforms/index.js';
import { allow } from './console-access.js';
import { queryText, renderPage } from './console-views.js';

export function jobPages(app: FastifyInstance, deps: { db: DataSource; platform: Platform; kinds: JobKinds }): void {
  const db = deps.db.manager;
  const hostName = async (id: number) => (await findHost(db, id))?.name ?? `host ${id}`;

  app.get<{ Querystring: Record<string, unknown> }>('/jobs', { preHandler: allow('read') }, async (request, reply) => {
    const active = queryText(request.query.active) === '1';
    const jobs = await listJobs(db, { active, limit: 100 });
    const names = new Map<number, string>();
    for (const id of new Set(jobs.map((j) => j.hostId))) names.set(id, await hostName(id));
    return renderPage(reply, 'jobs', {
      title: active ? 'Running jobs' : 'Jobs',
      active,
      jobs: jobs.map((j) => ({
        ...j,
        hostName: names.get(j.hostId),
        what: j.profile ?? j.image,
        ended: isTerminal(j.state),
        updatedAt: j.updatedAt.toISOString(),
      })),
    });
  });

  app.get<{ Params: { id: string } }>('/jobs/:id', { preHandler: allow('read') }, async (request, reply) => {
    const job = await getJob(db, jobId(request.params.id));
    const { token: _token, ...visible } = job;
    return renderPage(reply, 'job', {
      title: `Job ${job.id}: ${job.kind}${job.profile ? ` ${job.profile}` : ''}`,
      job: visible,
      ended: isTerminal(job.state),
      hostName: await hostName(job.hostId),
      events: await jobEvents(db, job.id),
    });
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/cancel', { preHandler: allow('cancel-job') }, async (request, reply) => {
    const ended = await cancelJob(deps.db, deps.platform, deps.kinds, jobId(request.params.id), request.caller!.actor, 'console');
    return reply.redirect(`/jobs/${ended.id}`, 303);
  });
}

function jobId(param: string): number {
  if (!/^\d{1,9}$/.test(param)) throw new DployError('DPLOY_ERR_NOT_FOUND', `no job ${param.slice(0, 40)}`);
  return Number(param);
}

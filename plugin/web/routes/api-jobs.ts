// JSON API over jobs: list, one job with its event log, cancel; as
// `dploy jobs list|show|cancel` does. A job's token never leaves dploy.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import type { Job } from '../../model/job.js';
import { getHost } from '../../store/hosts.js';
import { getJob, jobEvents, listJobs } from '../../store/jobs.js';
import { cancelJob } from '../../jobs/cancel-job.js';
import type { JobKinds } from '../../jobs/index.js';
import type { Platform } from '../../platforms/index.js';
import { apiAccess } from '../api-auth.js';
import { jobCancelledSchema, jobListSchema, jobWithEventsSchema } from '../api-schemas.js';

const jobId = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] };

function jobView({ token: _token, ...job }: Job) {
  return job;
}

export function apiJobRoutes(app: FastifyInstance, deps: { db: DataSource; platform: Platform; kinds: JobKinds }): void {
  const db = deps.db.manager;
  const read = apiAccess(deps.db, 'read');
  app.get<{ Querystring: { host?: string; active?: boolean; limit?: number } }>(
    '/api/v1/jobs',
    {
      ...read,
      schema: {
        summary: 'jobs, newest first',
        querystring: {
          type: 'object',
          properties: {
            host: { type: 'string', description: 'id, name or MAC' },
            active: { type: 'boolean' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: { 200: jobListSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const hostId = q.host ? (await getHost(db, q.host)).id : undefined;
      const jobs = await listJobs(db, { ...(hostId !== undefined ? { hostId } : {}), active: q.active ?? false, limit: q.limit ?? 100 });
      return { jobs: jobs.map(jobView) };
    },
  );
  app.get<{ Params: { id: number } }>(
    '/api/v1/jobs/:id',
    { ...read, schema: { summary: 'one job with its event log', params: jobId, response: { 200: jobWithEventsSchema } } },
    async (request) => ({
      ...jobView(await getJob(db, request.params.id)),
      events: await jobEvents(db, request.params.id),
    }),
  );
  app.post<{ Params: { id: number } }>(
    '/api/v1/jobs/:id/cancel',
    {
      ...apiAccess(deps.db, 'cancel-job'),
      schema: { summary: 'cancel a running job; its machine goes back to local boot', params: jobId, response: { 200: jobCancelledSchema } },
    },
    async (request) => {
      const ended = await cancelJob(deps.db, deps.platform, deps.kinds, request.params.id, request.caller!.actor, 'API');
      return { id: ended.id, state: ended.state };
    },
  );
}

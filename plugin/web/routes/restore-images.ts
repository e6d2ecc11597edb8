// GET /images/<job-token>/plan and /images/<job-token>/<archive>: what a
// restore job's machine fetches (agent-scripts/dploy-restore): the restore
// plan made from the image's manifest, then each archive streamed from the
// image store. Only the token of an active restore job opens them, only from
// the address the job is bound to; anything else is the same bare 404, so
// nothing tells a prober that a job or an image exists.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { readManifest } from '../../images/image-store.js';
import { restorePlan } from '../../images/restore-plan.js';
import type { ImageManifest } from '../../images/manifest.js';
import type { JobTokens } from '../../jobs/job-token.js';
import { isTerminal } from '../../model/job.js';
import { findImage } from '../../store/images.js';
import { jobOfCaller } from '../job-auth.js';

export interface RestoreImageDeps {
  db: DataSource;
  jobTokens: JobTokens;
}

const NOT_HERE = 'no image here';

export function restoreImageRoutes(app: FastifyInstance, deps: RestoreImageDeps): void {
  app.get<{ Params: { token: string } }>('/images/:token/plan', async (request, reply) => {
    const { manifest } = await imageOfJob(deps, request, request.params.token);
    return reply.type('text/plain; charset=utf-8').send(restorePlan(manifest));
  });
  app.get<{ Params: { token: string; file: string } }>('/images/:token/:file', async (request, reply) => {
    const { manifest, dir } = await imageOfJob(deps, request, request.params.token);
    // Only a file the manifest lists: the name never reaches the filesystem otherwise.
    const archive = manifest.filesystems.find((f) => f.archive.file === request.params.file)?.archive;
    if (!archive) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
    const path = join(dir, archive.file);
    const size = (await stat(path)).size;
    return reply.type('application/zstd').header('content-length', size).send(createReadStream(path));
  });
}

async function imageOfJob(deps: RestoreImageDeps, request: FastifyRequest, token: string): Promise<{ manifest: ImageManifest; dir: string }> {
  const caller = await jobOfCaller(deps.db, deps.jobTokens, request, token);
  const job = caller.ok ? caller.job : undefined;
  if (!job || job.kind !== 'restore' || isTerminal(job.state) || !job.image) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
  const image = await findImage(deps.db.manager, job.image);
  if (!image) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
  return { manifest: await readManifest(image.location), dir: image.location };
}

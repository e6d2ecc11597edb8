// GET /images/<job-token>/…: what a restore job's machine fetches
// (agent-scripts/dploy-restore): the restore plan made from the image's
// manifest, then each archive streamed from the image store; and what a
// rebuild job's installed system fetches at the end of its post-install
// script: the script itself, the plan of the chosen paths, the archives.
// Only the token of an active restore or rebuild job opens them, only from
// the address the job is bound to; anything else is the same bare 404, so
// nothing tells a prober that a job or an image exists.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { imageNameOf, readManifest } from '../../images/image-store.js';
import { pathsPlan } from '../../images/paths-plan.js';
import { restorePlan } from '../../images/restore-plan.js';
import type { ImageManifest } from '../../images/manifest.js';
import type { JobTokens } from '../../jobs/job-token.js';
import { isTerminal, type Job } from '../../model/job.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { getHost } from '../../store/hosts.js';
import { findImage } from '../../store/images.js';
import { jobOfCaller } from '../job-auth.js';

export interface RestoreImageDeps {
  db: DataSource;
  jobTokens: JobTokens;
  /** images.restorePaths: what a rebuild puts back into the reinstalled system. */
  restorePaths?: readonly string[];
}

const NOT_HERE = 'no image here';
const SCRIPT = join(PACKAGE_ROOT, 'agent-scripts', 'dploy-restore');

export function restoreImageRoutes(app: FastifyInstance, deps: RestoreImageDeps): void {
  app.get<{ Params: { token: string } }>('/images/:token/plan', async (request, reply) => {
    const { manifest } = await imageOfJob(deps, request, request.params.token, 'restore');
    return reply.type('text/plain; charset=utf-8').send(restorePlan(manifest));
  });
  app.get<{ Params: { token: string } }>('/images/:token/paths', async (request, reply) => {
    const { manifest } = await imageOfJob(deps, request, request.params.token, 'rebuild');
    return reply.type('text/plain; charset=utf-8').send(pathsPlan(manifest, deps.restorePaths ?? []));
  });
  // The installed system of a rebuild has no dploy scripts: it fetches the one that restores.
  app.get<{ Params: { token: string } }>('/images/:token/dploy-restore', async (request, reply) => {
    await imageOfJob(deps, request, request.params.token, 'rebuild');
    return reply.type('text/x-shellscript; charset=utf-8').send(createReadStream(SCRIPT));
  });
  app.get<{ Params: { token: string; file: string } }>('/images/:token/:file', async (request, reply) => {
    const { manifest, dir } = await imageOfJob(deps, request, request.params.token);
    // Only a file the manifest lists: the name never reaches the filesystem otherwise.
    const archive = manifest.filesystems.find((f) => f.archive.file === request.params.file)?.archive;
    // A Mondo image's restore entry boots mindi's kernel and initrd from here (images/restore-boot.ts); its ISOs go over NFS.
    const mindi = manifest.mondo ? [manifest.mondo.mindi.kernel, manifest.mondo.mindi.initrd].find((f) => f.file === request.params.file) : undefined;
    const file = archive ?? mindi;
    if (!file) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
    const path = join(dir, file.file);
    const size = (await stat(path)).size;
    return reply
      .type(archive ? 'application/zstd' : 'application/octet-stream')
      .header('content-length', size)
      .send(createReadStream(path));
  });
}

/** The image a restore job names, or the one a rebuild job captured. */
async function imageName(db: DataSource, job: Job): Promise<string | undefined> {
  if (job.kind === 'restore') return job.image;
  if (job.kind === 'rebuild') return imageNameOf(job, await getHost(db.manager, job.hostId));
  return undefined;
}

async function imageOfJob(
  deps: RestoreImageDeps,
  request: FastifyRequest,
  token: string,
  kind?: 'restore' | 'rebuild',
): Promise<{ manifest: ImageManifest; dir: string }> {
  const caller = await jobOfCaller(deps.db, deps.jobTokens, request, token);
  const job = caller.ok ? caller.job : undefined;
  const name = job && !isTerminal(job.state) && (!kind || job.kind === kind) ? await imageName(deps.db, job) : undefined;
  const image = name ? await findImage(deps.db.manager, name) : undefined;
  if (!image) throw new DployError('DPLOY_ERR_NOT_FOUND', NOT_HERE);
  return { manifest: await readManifest(image.location), dir: image.location };
}

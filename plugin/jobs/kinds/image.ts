// image: capture a running machine over SSH into the image store
// (plugin/images/capture.ts), then record the image so a restore can name it.
//
//   queued ──(SSH access, name free)──► capturing ──(archives and manifest complete)──► done
//      └─(no SSH access, name taken)──► failed   └──(tar, zstd or SSH failed)──► failed

import { DployError } from '../../errors.js';
import { captureImage } from '../../images/capture.js';
import { checkImageName, imageDir, readManifest } from '../../images/image-store.js';
import { archiveBytes, type ImageManifest } from '../../images/manifest.js';
import type { Host } from '../../model/host.js';
import type { Job } from '../../model/job.js';
import type { SecretBox } from '../../secret-box.js';
import { findImage, recordImage } from '../../store/images.js';
import { extendLease } from '../../store/job-claims.js';
import { sshTargetFor } from '../../store/remote-access.js';
import { databasePins } from '../../store/ssh-host-keys.js';
import type { JobKindSpec, StepContext, StepResult, WorkContext } from '../job-kind.js';

export interface ImageSettings {
  secrets: () => SecretBox;
  storeDir: string;
  /** Mountpoints captured; every mounted block-device filesystem when empty. */
  filesystems: readonly string[];
  /** A capture running longer is taken for a runner that died. */
  captureTimeoutSeconds: number;
}

/** The image a job writes: the task's name, or the host's name and the job's id (the same on a repeat). */
export function imageNameOf(job: Job, host: Host): string {
  return job.image ?? `${host.name}-${job.id}`;
}

export function imageKind(s: ImageSettings): JobKindSpec {
  const queued = async ({ db, host, job }: StepContext): Promise<StepResult> => {
    let name: string;
    try {
      name = checkImageName(imageNameOf(job, host));
    } catch (err) {
      if (err instanceof DployError) return { to: 'failed', message: err.message };
      throw err;
    }
    if (await findImage(db, name)) return { to: 'failed', message: `image ${name} already exists: choose another name or dploy images remove ${name}` };
    const target = await sshTargetFor(db, s.secrets(), host);
    if (!target) return { to: 'failed', message: `no SSH access for ${host.name}: set it with dploy hosts ssh ${host.name} (or @group)` };
    return { to: 'capturing', message: `capturing ${host.name} into image ${name} over SSH` };
  };

  const work = async ({ db, host, job, owner }: WorkContext): Promise<ImageManifest | DployError> => {
    const name = imageNameOf(job, host);
    // A runner killed after the rename left a complete image of this job: take it instead of capturing twice.
    const done = await readManifest(imageDir(s.storeDir, name)).catch(() => undefined);
    if (done && done.source.host === host.name) return done;
    const target = await sshTargetFor(db, s.secrets(), host);
    if (!target) throw new Error(`the SSH access of ${host.name} was removed while job ${job.id} ran`);
    await extendLease(db, job.id, owner, new Date(Date.now() + (s.captureTimeoutSeconds + 60) * 1000));
    try {
      return await captureImage(target, { pins: databasePins(db), storeDir: s.storeDir, name, host: host.name, filesystems: s.filesystems });
    } catch (err) {
      // Refusals and a failed tar are the job's outcome; a database outage is thrown and retried.
      if (err instanceof DployError && !err.retryable) return err;
      throw err;
    }
  };

  const record = async ({ db, host, job, now, work: result }: StepContext): Promise<StepResult> => {
    if (result instanceof DployError) return { to: 'failed', message: result.message };
    const m = result as ImageManifest;
    const bytes = archiveBytes(m);
    await recordImage(db, { name: m.name, kind: 'tar-zstd', location: imageDir(s.storeDir, m.name), hostId: host.id, sizeBytes: bytes, createdAt: now });
    const warned = m.filesystems.filter((f) => f.archive.warnings).map((f) => f.mountpoint);
    return {
      to: 'done',
      message:
        `image ${m.name}: ${m.filesystems.map((f) => f.mountpoint).join(', ')} (${bytes} bytes compressed, ${m.firmware}, job ${job.id})` +
        (warned.length ? `; files changed while read in ${warned.join(', ')} (tar exit 1, see manifest.json)` : ''),
    };
  };

  return {
    kind: 'image',
    doneStatus: 'image {image} captured',
    states: {
      queued: { step: 1, status: 'image capture queued', next: ['capturing', 'failed'], run: queued },
      capturing: {
        step: 2,
        status: 'capturing the machine over SSH',
        work,
        next: ['done', 'failed'],
        run: record,
        timeoutSeconds: s.captureTimeoutSeconds + 300,
        timeoutMessage: 'the runner capturing the image stopped before it finished',
      },
    },
  };
}

// The capture that the image kind and the chain (rebuild) share: checks before
// it, the SSH capture into the image store (plugin/images/capture.ts) with the
// retention policy applied once the new image is complete, and the record that
// lets a restore name it.

import { DployError } from '../../errors.js';
import { captureImage } from '../../images/capture.js';
import { checkImageName, imageDir, imageNameOf, readManifest } from '../../images/image-store.js';
import { archiveBytes, type ImageManifest } from '../../images/manifest.js';
import { pruneImages, type RetentionPolicy } from '../../images/retention.js';
import type { SecretBox } from '../../secret-box.js';
import { findImage, recordImage } from '../../store/images.js';
import { imageEngineFor } from '../../store/image-engines.js';
import { extendLease } from '../../store/job-claims.js';
import { sshTargetFor } from '../../store/remote-access.js';
import { databasePins } from '../../store/ssh-host-keys.js';
import type { StepContext, WorkContext } from '../job-kind.js';

export interface ImageSettings {
  secrets: () => SecretBox;
  storeDir: string;
  /** Mountpoints captured; every mounted block-device filesystem when empty. */
  filesystems: readonly string[];
  /** A capture running longer is taken for a runner that died. */
  captureTimeoutSeconds: number;
  /** Applied after each capture (images.keepPerHost, images.maxAgeDays). */
  retention?: RetentionPolicy;
  /** engine mondo: where mondoarchive writes its ISOs on the source (images.mondoScratchDir). */
  mondoScratchDir?: string;
  /** The chain's restore: paths of the image put back into the reinstalled system (images.restorePaths). */
  restorePaths?: readonly string[];
  /** What the chain runs over SSH to reboot the captured machine into its install (default: remote/reboot.ts). */
  rebootCommand?: string;
}

/** A capture's outcome as the step records it: the image and the images the retention policy removed, or why it failed. */
type Captured = { manifest: ImageManifest; pruned: string[] } | DployError;

/** Why a capture cannot start (name invalid or taken, no SSH access), or undefined. */
export async function captureRefusal(s: ImageSettings, { db, host, job }: StepContext): Promise<string | undefined> {
  let name: string;
  try {
    name = checkImageName(imageNameOf(job, host));
  } catch (err) {
    if (err instanceof DployError) return err.message;
    throw err;
  }
  if (await findImage(db, name)) return `image ${name} already exists: choose another name or dploy images remove ${name}`;
  if (!(await sshTargetFor(db, s.secrets(), host))) return `no SSH access for ${host.name}: set it with dploy hosts ssh ${host.name} (or @group)`;
  return undefined;
}

export function captureWork(s: ImageSettings): (ctx: WorkContext) => Promise<Captured> {
  return async ({ db, host, job, owner }) => {
    const name = imageNameOf(job, host);
    // A runner killed after the rename left a complete image of this job: take it instead of capturing twice.
    let manifest = await readManifest(imageDir(s.storeDir, name)).catch(() => undefined);
    if (manifest?.source.host !== host.name) {
      const target = await sshTargetFor(db, s.secrets(), host);
      if (!target) throw new Error(`the SSH access of ${host.name} was removed while job ${job.id} ran`);
      await extendLease(db, job.id, owner, new Date(Date.now() + (s.captureTimeoutSeconds + 60) * 1000));
      try {
        // Only the image task takes --engine; the chain restores paths out of tar archives.
        const engine = job.kind === 'image' ? await imageEngineFor(db, host.id) : 'tar';
        manifest = await captureImage(target, {
          pins: databasePins(db),
          storeDir: s.storeDir,
          name,
          host: host.name,
          filesystems: s.filesystems,
          ...(engine === 'mondo' ? { engine, ...(s.mondoScratchDir ? { mondoScratchDir: s.mondoScratchDir } : {}) } : {}),
        });
      } catch (err) {
        // Refusals and a failed tar are the job's outcome; a database outage is thrown and retried.
        if (err instanceof DployError && !err.retryable) return err;
        throw err;
      }
    }
    // The new image counts as this host's newest (its row is written by the step that follows).
    const pruned = s.retention ? await pruneImages(db, s.retention, { fresh: { name, hostId: host.id, createdAt: new Date() } }) : [];
    return { manifest, pruned: pruned.map((p) => `${p.name} (${p.reason})`) };
  };
}

/** Records the captured image; the words for the job's event, or the failure. */
export async function recordCapture({ db, host, job, now, work }: StepContext, s: ImageSettings): Promise<{ failed: string } | { done: string }> {
  const result = work as Captured;
  if (result instanceof DployError) return { failed: result.message };
  const m = result.manifest;
  const bytes = archiveBytes(m);
  if (m.engine === 'mondo') {
    await recordImage(db, { name: m.name, kind: 'mondo', location: imageDir(s.storeDir, m.name), hostId: host.id, sizeBytes: bytes, createdAt: now });
    return {
      done:
        `image ${m.name}: ${m.isos!.length} Mondo ISO(s) of ${m.mondo!.filesystems.map((f) => f.mountpoint).join(', ')} (${bytes} bytes, ${m.firmware}, job ${job.id})` +
        (result.pruned.length ? `; retention removed ${result.pruned.join(', ')}` : ''),
    };
  }
  await recordImage(db, { name: m.name, kind: 'tar-zstd', location: imageDir(s.storeDir, m.name), hostId: host.id, sizeBytes: bytes, createdAt: now });
  const warned = m.filesystems.filter((f) => f.archive.warnings).map((f) => f.mountpoint);
  return {
    done:
      `image ${m.name}: ${m.filesystems.map((f) => f.mountpoint).join(', ')} (${bytes} bytes compressed, ${m.firmware}, job ${job.id})` +
      (warned.length ? `; files changed while read in ${warned.join(', ')} (tar exit 1, see manifest.json)` : '') +
      (result.pruned.length ? `; retention removed ${result.pruned.join(', ')}` : ''),
  };
}

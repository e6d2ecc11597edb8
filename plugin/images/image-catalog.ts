// The image store as the console, the JSON API and `dploy images` act on it:
// an image's state (its files there, a job using it), a verify whose result
// is kept with the image's row, and a removal refused while a job needs it.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { findHost } from '../store/hosts.js';
import { recordAudit } from '../store/audit-log.js';
import {
  activeJobsOfImage,
  deleteImage,
  forgetImageVerified,
  imagesInUse,
  getImage,
  recordImageVerified,
  VERIFIED_OK,
  type ImageRecord,
} from '../store/images.js';
import { removeImageFiles, verifyImage, type ArchiveCheck } from './image-store.js';
import { MANIFEST_FILE } from './manifest.js';

/** ready: its directory holds a manifest; in use: a capture or restore job names it; missing: the row has no files behind it. */
export type ImageState = 'ready' | 'in use' | 'missing';

/** `inUse`: whether a job not ended names it, when the caller already asked for a whole page (imagesInUse). */
export async function imageState(db: EntityManager, image: ImageRecord, inUse?: boolean): Promise<ImageState> {
  if (inUse ?? (await activeJobsOfImage(db, image.name)).length > 0) return 'in use';
  return (await stat(join(image.location, MANIFEST_FILE)).catch(() => undefined)) ? 'ready' : 'missing';
}

export interface VerifyReport {
  name: string;
  ok: boolean;
  checks: ArchiveCheck[];
  verifiedAt: Date;
}

export interface VerifyOptions {
  /** Who asked, for the audit log: "cli", "console:alice", "api:token-name". */
  actor: string;
  /** Stops the reading (dploy stopping): nothing is recorded on the image, which stays unverified. */
  signal?: AbortSignal;
  now?: () => Date;
}

/**
 * Reads every archive again against manifest.json and keeps the outcome with
 * the image's row and in the audit log. The last result is forgotten first: a
 * verify that never ends (dploy killed, Ctrl-C) leaves the image unverified,
 * never showing an "ok" older than the doubt that made someone verify it.
 */
export async function verifyStoredImage(db: EntityManager, name: string, o: VerifyOptions): Promise<VerifyReport> {
  const image = await getImage(db, name);
  const now = o.now ?? (() => new Date());
  const audit = (detail: string) => recordAudit(db, { actor: o.actor, action: 'image.verify', target: name, detail });
  await forgetImageVerified(db, name);
  let checks: ArchiveCheck[];
  try {
    checks = await verifyImage(image.location, o.signal);
  } catch (err) {
    if (o.signal?.aborted) {
      await audit('interrupted: dploy stopped; the image is unverified');
      throw err;
    }
    // A manifest gone or unreadable is a verify that failed: say so on the image, then tell the caller.
    await recordImageVerified(db, name, (err as Error).message, now());
    await audit(`failed: ${(err as Error).message}`);
    throw err;
  }
  const bad = checks.filter((c) => !c.ok);
  const verifiedAt = now();
  await recordImageVerified(db, name, bad.length === 0 ? VERIFIED_OK : bad.map((c) => `${c.file}: ${c.problem ?? 'differs'}`).join('; '), verifiedAt);
  await audit(bad.length === 0 ? 'ok' : 'corrupt');
  return { name, ok: bad.length === 0, checks, verifiedAt };
}

/** Deletes the row, then the directory; refused while a job not ended names the image. */
export async function removeStoredImage(db: EntityManager, name: string): Promise<ImageRecord> {
  const image = await getImage(db, name);
  const jobs = await activeJobsOfImage(db, name);
  if (jobs.length > 0)
    throw new DployError('DPLOY_ERR_CONFLICT', `image ${name} is used by job ${jobs.join(', ')}; cancel it or wait for it to end (dploy jobs show)`);
  await deleteImage(db, name);
  await removeImageFiles(image.location);
  return image;
}

export interface ImageView {
  name: string;
  kind: string;
  /** The machine it was captured from; null once that host is forgotten. */
  host: { id: number; name: string } | null;
  sizeBytes: number | null;
  createdAt: string;
  state: ImageState;
  checksum: { status: 'unverified' | 'verifying' | 'ok' | 'corrupt'; verifiedAt: string | null; problem: string | null; verifyingSince: string | null };
}

/** What the caller knows beyond the row: whether a job uses it (a page asks once), since when a verify reads it. */
export interface ViewContext {
  inUse?: boolean;
  verifyingSince?: Date;
}

/** An image as the console and the API show it (its directory is images.storeDir's business, not shown). */
export async function imageView(db: EntityManager, image: ImageRecord & { hostName?: string }, context: ViewContext = {}): Promise<ImageView> {
  const v = image.verified;
  const hostName = image.hostId === undefined ? undefined : (image.hostName ?? (await findHost(db, image.hostId))?.name);
  return {
    name: image.name,
    kind: image.kind,
    host: image.hostId !== undefined ? { id: image.hostId, name: hostName ?? `host ${image.hostId}` } : null,
    sizeBytes: image.sizeBytes ?? null,
    createdAt: image.createdAt.toISOString(),
    state: await imageState(db, image, context.inUse),
    checksum: {
      status: context.verifyingSince ? 'verifying' : !v ? 'unverified' : v.result === VERIFIED_OK ? 'ok' : 'corrupt',
      // The last result is being forgotten as the verify begins (verifyStoredImage): not shown beside "verifying".
      verifiedAt: v && !context.verifyingSince ? v.at.toISOString() : null,
      problem: v && !context.verifyingSince && v.result !== VERIFIED_OK ? v.result : null,
      verifyingSince: context.verifyingSince?.toISOString() ?? null,
    },
  };
}

/** A page of images as shown: one query says which are in use, whatever the page's size. */
export async function imageViews(
  db: EntityManager,
  images: Array<ImageRecord & { hostName?: string }>,
  verifyingSince: (name: string) => Date | undefined = () => undefined,
): Promise<ImageView[]> {
  const inUse = await imagesInUse(
    db,
    images.map((i) => i.name),
  );
  return Promise.all(images.map((image) => imageView(db, image, { inUse: inUse.has(image.name), verifyingSince: verifyingSince(image.name) })));
}

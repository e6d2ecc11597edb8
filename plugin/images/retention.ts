// Retention by policy: the N newest images of each host kept
// (images.keepPerHost), images older than images.maxAgeDays removed, applied
// after each capture and by `dploy images prune`. An image an active restore
// or chain (rebuild) job uses is never removed: that job would fail half-way.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { activeJobsByHost } from '../store/jobs.js';
import { getHost } from '../store/hosts.js';
import { deleteImage, listImages, type ImageRecord } from '../store/images.js';
import { imageNameOf, removeImageFiles } from './image-store.js';

export interface RetentionPolicy {
  /** Complete images kept per source host, newest first; 0: no limit. */
  keepPerHost: number;
  /** Images older than this many days are removed; 0: no limit. */
  maxAgeDays: number;
}

type Candidate = Pick<ImageRecord, 'name' | 'hostId' | 'createdAt'> & { location?: string };

export interface PruneChoice {
  name: string;
  /** Why the policy removes it, in the operator's words. */
  reason: string;
  /** Its directory; absent for the image being recorded right now (never removed). */
  location?: string;
}

const DAY_MS = 86_400_000;

/** Pure: which images the policy removes. `inUse` are never removed; neither is `fresh`, the image just captured. */
export function imagesToPrune(images: readonly Candidate[], policy: RetentionPolicy, now: Date, inUse: ReadonlySet<string>, fresh?: string): PruneChoice[] {
  const reasons = new Map<string, string>();
  if (policy.keepPerHost > 0) {
    const byHost = new Map<number, Candidate[]>();
    for (const image of images) if (image.hostId !== undefined) byHost.set(image.hostId, [...(byHost.get(image.hostId) ?? []), image]);
    for (const list of byHost.values()) {
      const newestFirst = [...list].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.name.localeCompare(a.name));
      for (const image of newestFirst.slice(policy.keepPerHost))
        reasons.set(image.name, `beyond the ${policy.keepPerHost} newest of host ${image.hostId} (images.keepPerHost)`);
    }
  }
  if (policy.maxAgeDays > 0) {
    const limit = now.getTime() - policy.maxAgeDays * DAY_MS;
    for (const image of images)
      if (image.createdAt.getTime() < limit && !reasons.has(image.name)) reasons.set(image.name, `older than ${policy.maxAgeDays} days (images.maxAgeDays)`);
  }
  return images
    .filter((i) => reasons.has(i.name) && !inUse.has(i.name) && i.name !== fresh)
    .map((i) => ({ name: i.name, reason: reasons.get(i.name)!, ...(i.location ? { location: i.location } : {}) }));
}

/** Names of images that active restore and rebuild jobs read or write. */
export async function imagesInUse(db: EntityManager): Promise<Set<string>> {
  const names = new Set<string>();
  for (const job of (await activeJobsByHost(db)).values()) {
    if (job.kind === 'restore' && job.image) names.add(job.image);
    if (job.kind === 'rebuild') names.add(imageNameOf(job, await getHost(db, job.hostId)));
  }
  return names;
}

export function checkPolicy(policy: RetentionPolicy): RetentionPolicy {
  for (const [key, value] of Object.entries(policy))
    if (!Number.isInteger(value) || value < 0)
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `images.${key} must be a whole number ≥ 0 (0: no limit); got ${value}`);
  return policy;
}

/**
 * Applies the policy: each removed image's row first, then its directory (a
 * crash between leaves a directory no row names, never a row naming a missing
 * image). `fresh` is an image complete on disk whose row is not written yet.
 */
export async function pruneImages(
  db: EntityManager,
  policy: RetentionPolicy,
  o: { fresh?: Candidate; dryRun?: boolean; now?: Date } = {},
): Promise<PruneChoice[]> {
  if (!policy.keepPerHost && !policy.maxAgeDays) return [];
  const images: Candidate[] = await listImages(db);
  if (o.fresh && !images.some((i) => i.name === o.fresh!.name)) images.push(o.fresh);
  const chosen = imagesToPrune(images, policy, o.now ?? new Date(), await imagesInUse(db), o.fresh?.name);
  if (o.dryRun) return chosen;
  for (const image of chosen) {
    await deleteImage(db, image.name);
    if (image.location) await removeImageFiles(image.location);
  }
  return chosen;
}

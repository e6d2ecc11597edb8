// The image store: one directory per image under images.storeDir (any
// filesystem dploy can write), holding manifest.json and the archives it
// lists. A capture writes into a hidden partial directory and renames it, so
// a directory with an image's name is always a complete image.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DployError } from '../errors.js';
import type { Host } from '../model/host.js';
import type { Job } from '../model/job.js';
import { MANIFEST_FILE, parseManifest, storedFiles, type ImageManifest, type StoredFile } from './manifest.js';

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkImageName(name: string): string {
  if (!IMAGE_NAME.test(name))
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `image name "${name.slice(0, 60)}" must be letters, digits, dot, dash or underscore (at most 128)`);
  return name;
}

/** The image a capturing job (image, rebuild) writes: the task's name, or the host's name and the job's id (the same on a repeat). */
export function imageNameOf(job: Pick<Job, 'id' | 'image'>, host: Pick<Host, 'name'>): string {
  return job.image ?? `${host.name}-${job.id}`;
}

export function imageDir(storeDir: string, name: string): string {
  return join(storeDir, checkImageName(name));
}

export function partialDir(storeDir: string, name: string): string {
  return join(storeDir, `.partial-${checkImageName(name)}`);
}

export async function readManifest(dir: string): Promise<ImageManifest> {
  const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new DployError('DPLOY_ERR_NOT_FOUND', `no image at ${dir} (manifest.json missing)`);
    throw err;
  });
  return parseManifest(text, dir);
}

export interface ArchiveCheck {
  file: string;
  ok: boolean;
  /** What is wrong: missing, size or checksum. */
  problem?: string;
}

/**
 * Reads every archive again and compares size and SHA-256 with the manifest.
 * Streamed: an image of many GiB is read in chunks between other work, and
 * `signal` stops it between two chunks (dploy stopping).
 */
export async function verifyImage(dir: string, signal?: AbortSignal): Promise<ArchiveCheck[]> {
  const manifest = await readManifest(dir);
  const checks: ArchiveCheck[] = [];
  // A Mondo image's ISOs and mindi's files too: a changed ISO is found like a changed archive.
  for (const file of storedFiles(manifest)) checks.push(await checkArchive(dir, file, signal));
  return checks;
}

async function checkArchive(dir: string, a: StoredFile, signal?: AbortSignal): Promise<ArchiveCheck> {
  const path = join(dir, a.file);
  const st = await stat(path).catch(() => undefined);
  if (!st) return { file: a.file, ok: false, problem: 'missing' };
  if (st.size !== a.bytes) return { file: a.file, ok: false, problem: `size ${st.size}, manifest says ${a.bytes}` };
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash, signal ? { signal } : {});
  const sum = hash.digest('hex');
  return sum === a.sha256 ? { file: a.file, ok: true } : { file: a.file, ok: false, problem: `sha256 ${sum}, manifest says ${a.sha256}` };
}

export async function removeImageFiles(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

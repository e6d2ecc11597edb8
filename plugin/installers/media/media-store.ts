// The mirror directory: one imported install tree per distro-release-arch,
// each with a .dploy-media.json stamp written last, so a tree without one was
// never a finished import. Imports land in a temp dir beside their final
// place and are renamed in: the web server never sees half a tree.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DployError } from '../../errors.js';
import { catalogEntry, findCatalogEntry } from '../catalog/catalog.js';
import { importedBootFiles, mediaKey, type CatalogEntry } from '../catalog/catalog-entry.js';
import type { MirrorView } from './install-source.js';
import { detectMedia, releaseCandidates } from './media-detect.js';

export const MEDIA_STAMP = '.dploy-media.json';
const KEY = /^[a-z0-9][a-z0-9.-]*-[A-Za-z0-9_]+$/;

export interface ImportedMedia {
  key: string;
  source: string;
  importedAt: string;
  bytes: number;
  /** SHA-256 over the media's identity file and its installer kernel and initrd: the same media has the same one. */
  fingerprint?: string;
}

/** The identity files detection reads, in its order. */
const IDENTITY_FILES = ['.treeinfo', '.disk/info', 'media.1/products', 'content'];

async function mediaFingerprint(tree: string, kernel: string, initrd: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of IDENTITY_FILES) {
    const text = await readFile(join(tree, name)).catch(() => undefined);
    if (text) hash.update(`${name}\0`).update(text);
  }
  for (const file of [kernel, initrd]) hash.update(await readFile(file));
  return hash.digest('hex');
}

export interface ImportOptions {
  source: string;
  /** What the source must be, when the command says (import-iso, import-tree). */
  expect?: 'iso' | 'tree';
  mirrorDir: string;
  tftpRoot: string;
  distro?: string;
  release?: string;
  arch?: string;
  replace?: boolean;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.once('error', (e) => fail(new DployError('DPLOY_ERR_INVALID_INPUT', `${cmd} could not run (${e.message}); install it (Debian: libarchive-tools)`)));
    child.once('close', (code) =>
      code === 0 ? ok() : fail(new DployError('DPLOY_ERR_INVALID_INPUT', `${cmd} ${args.join(' ')} failed (exit ${code}): ${err.trim()}`)),
    );
  });
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

async function entryFor(tree: string, o: ImportOptions): Promise<CatalogEntry> {
  if (o.distro && o.release && o.arch) return catalogEntry(o.distro, o.release, o.arch);
  const seen = await detectMedia(tree);
  if (!seen)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `cannot tell which release ${o.source} is (no readable .treeinfo, .disk/info, media.1/products or content): give --distro, --release and --arch`,
    );
  const distro = o.distro ?? seen.distro,
    arch = o.arch ?? seen.arch;
  const releases = o.release ? [o.release] : releaseCandidates(seen.version);
  const found = releases.map((r) => findCatalogEntry(distro, r, arch)).find(Boolean);
  if (found) return found;
  return catalogEntry(distro, releases[releases.length - 1]!, arch);
}

function firstIn(tree: string, candidates: string[], what: string, entry: CatalogEntry): string {
  const hit = candidates.find((p) => existsSync(join(tree, p)));
  if (!hit)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `this medium is not ${mediaKey(entry)} as the catalog knows it: no installer ${what} at ${candidates.join(', ')}`,
    );
  return join(tree, hit);
}

/** Copies one boot file into the TFTP root by temp file and rename: a booting machine never reads half a kernel. */
async function placeBootFile(from: string, tftpRoot: string, path: string): Promise<void> {
  const target = join(tftpRoot, path);
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.importing-${process.pid}`;
  await copyFile(from, temp);
  await rename(temp, target);
}

export async function importMedia(
  o: ImportOptions,
): Promise<ImportedMedia & { entry: CatalogEntry; boot: Pick<CatalogEntry, 'kernel' | 'initrd'>; unchanged: boolean }> {
  const mirrorDir = resolve(o.mirrorDir);
  await mkdir(mirrorDir, { recursive: true });
  const temp = join(mirrorDir, `.importing-${process.pid}-${Date.now()}`);
  const info = await stat(o.source).catch(() => {
    throw new DployError('DPLOY_ERR_NOT_FOUND', `no such file or directory: ${o.source}`);
  });
  if (o.expect === 'iso' && info.isDirectory())
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `${o.source} is a directory: use dploy import-tree for an install tree`);
  if (o.expect === 'tree' && !info.isDirectory())
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `${o.source} is not a directory: use dploy import-iso for an ISO image`);
  try {
    if (info.isDirectory()) await cp(o.source, temp, { recursive: true, verbatimSymlinks: true });
    else {
      await mkdir(temp);
      await run('bsdtar', ['-xf', o.source, '-C', temp]);
    }
    // ISO modes are read-only; the tree must stay removable by `media remove`.
    await run('chmod', ['-R', 'u+rwX', temp]);
    const entry = await entryFor(temp, o);
    const key = mediaKey(entry);
    const kernel = firstIn(temp, entry.treeKernel, 'kernel', entry);
    const initrd = firstIn(temp, entry.treeInitrd, 'initrd', entry);
    const final = join(mirrorDir, key);
    const fingerprint = await mediaFingerprint(temp, kernel, initrd);
    const boot = importedBootFiles(entry);
    if (existsSync(final) && !o.replace) {
      // The same media again is a no-op (its boot files put back if someone removed them); other media for the key is refused.
      const previous = JSON.parse(await readFile(join(final, MEDIA_STAMP), 'utf8').catch(() => '{}')) as Partial<ImportedMedia>;
      if (previous.fingerprint === fingerprint) {
        if (!existsSync(join(o.tftpRoot, boot.kernel))) await placeBootFile(kernel, o.tftpRoot, boot.kernel);
        if (!existsSync(join(o.tftpRoot, boot.initrd))) await placeBootFile(initrd, o.tftpRoot, boot.initrd);
        return { ...(previous as ImportedMedia), entry, boot, unchanged: true };
      }
      throw new DployError(
        'DPLOY_ERR_CONFLICT',
        `${key} is already imported from other media (${previous.source ?? 'unknown source'}, ${previous.importedAt ?? 'unknown time'}): use --replace to import this one instead`,
      );
    }
    // Subiquity fetches the ISO itself (install-source.ts points at <key>.iso).
    if (entry.answerKind === 'autoinstall' && !info.isDirectory()) await copyFile(o.source, join(temp, `${key}.iso.tmp`));
    const record: ImportedMedia = { key, source: resolve(o.source), importedAt: new Date().toISOString(), bytes: await treeBytes(temp), fingerprint };
    await placeBootFile(kernel, o.tftpRoot, boot.kernel);
    await placeBootFile(initrd, o.tftpRoot, boot.initrd);
    await writeFile(join(temp, MEDIA_STAMP), JSON.stringify(record, null, 2) + '\n');
    const old = join(mirrorDir, `.replacing-${key}-${process.pid}`);
    if (existsSync(final)) await rename(final, old);
    if (existsSync(join(temp, `${key}.iso.tmp`))) await rename(join(temp, `${key}.iso.tmp`), join(mirrorDir, `${key}.iso`));
    await rename(temp, final);
    await rm(old, { recursive: true, force: true });
    return { ...record, entry, boot, unchanged: false };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

export async function listMedia(mirrorDir: string): Promise<ImportedMedia[]> {
  const names = await readdir(resolve(mirrorDir)).catch(() => [] as string[]);
  const rows: ImportedMedia[] = [];
  for (const name of names.filter((n) => KEY.test(n)).sort()) {
    const stamp = await readFile(join(resolve(mirrorDir), name, MEDIA_STAMP), 'utf8').catch(() => undefined);
    if (stamp) rows.push(JSON.parse(stamp) as ImportedMedia);
  }
  return rows;
}

/** Removes the tree, its ISO copy and the boot files the import put in linuxcoe/<key>/ (no one else writes there). */
export async function removeMedia(mirrorDir: string, key: string, tftpRoot: string): Promise<void> {
  if (!KEY.test(key)) throw new DployError('DPLOY_ERR_INVALID_INPUT', `"${key}" is not a media key (distro-release-arch)`);
  const dir = join(resolve(mirrorDir), key);
  if (!existsSync(join(dir, MEDIA_STAMP))) throw new DployError('DPLOY_ERR_NOT_FOUND', `no imported media ${key}; see dploy media list`);
  // Renamed away first so the served tree disappears at once, not file by file.
  const doomed = join(resolve(mirrorDir), `.removing-${key}-${process.pid}`);
  await rename(dir, doomed);
  await rm(doomed, { recursive: true, force: true });
  await rm(join(resolve(mirrorDir), `${key}.iso`), { force: true });
  await rm(join(resolve(tftpRoot), 'linuxcoe', key), { recursive: true, force: true });
}

/** What answer files and boot entries see: a key counts once its import finished. */
export function mirrorView(mirrorDir: string, baseUrl: () => string): MirrorView {
  const root = resolve(mirrorDir);
  return {
    get baseUrl() {
      return `${baseUrl()}/mirror`;
    },
    has: (key) => KEY.test(key) && existsSync(join(root, key, MEDIA_STAMP)),
  };
}

// Capture a running machine over SSH into the image store: probe its layout,
// then stream one tar of each filesystem, compressed on the source by zstd,
// straight into the image directory while SHA-256 is computed on the way.
// Nothing is written on the source; the image appears (renamed from a
// partial directory) only once every archive and the manifest are complete.

import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DployError } from '../errors.js';
import { OutputCap } from '../remote/output-cap.js';
import { openSession, type SessionOptions, type SshSession } from '../remote/ssh-session.js';
import { exitOf, probe, receiveFile } from './ssh-stream.js';
import { captureWithMondo } from './mondo-capture.js';
import type { SshTarget } from '../remote/ssh-target.js';
import { imageDir, partialDir } from './image-store.js';
import { shellWord, type Mount } from './layout-probe.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, type ArchiveEntry, type FilesystemEntry, type ImageManifest } from './manifest.js';
import { readLayout } from './source-layout.js';

export interface CaptureOptions extends SessionOptions {
  storeDir: string;
  name: string;
  /** The host's name in dploy, recorded in the manifest. */
  host: string;
  /** Mountpoints to archive; all mounted block-device filesystems when empty. */
  filesystems?: readonly string[];
  /** zstd level on the source (1 fastest … 19). */
  zstdLevel?: number;
  /** mondo: the source's own mondoarchive makes an ISO set (mondo-capture.ts); absent: tar+zstd. */
  engine?: 'mondo';
  /** engine mondo: the scratch directory on the source (images.mondoScratchDir). */
  mondoScratchDir?: string;
  onProgress?: (message: string) => void;
}

/**
 * tar flags that keep a filesystem byte-faithful (docs/images.md): sparse
 * files stay sparse, every xattr namespace (security.capability, trusted.*)
 * and ACLs and SELinux labels travel, owners stay numbers, and mounts below
 * are left to their own archive.
 */
export const TAR_CREATE = "tar --create --file=- --sparse --xattrs --xattrs-include='*' --acls --selinux --numeric-owner --one-file-system";
const TAR_EXIT = '@@dploy tar-exit ';
/** images.mondoScratchDir's default. */
export const MONDO_SCRATCH = '/var/cache/dploy-mondo';

const progress = (o: CaptureOptions) => (o.onProgress ? { onProgress: o.onProgress } : {});

export async function captureImage(target: SshTarget, o: CaptureOptions): Promise<ImageManifest> {
  const finalDir = imageDir(o.storeDir, o.name);
  if (await stat(finalDir).catch(() => undefined)) throw new DployError('DPLOY_ERR_CONFLICT', `image ${o.name} already exists in ${o.storeDir}`);
  const session = await openSession(target, o);
  const root = target.user === 'root' ? (cmd: string) => cmd : (cmd: string) => `sudo -n sh -c ${shellWord(cmd)}`;
  const work = partialDir(o.storeDir, o.name);
  try {
    const layout = await readLayout((command) => probe(session, root(command)), session.who, o.filesystems);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true, mode: 0o750 });
    const filesystems: FilesystemEntry[] = [];
    // Mondo's ISOs hold the files: the layout's filesystems are kept in `mondo`, none has an archive of dploy's.
    const mondo =
      o.engine === 'mondo'
        ? await captureWithMondo({ session, root, host: o.host, name: o.name, scratchDir: o.mondoScratchDir ?? MONDO_SCRATCH, ...progress(o) }, layout, work)
        : {};
    for (const [i, m] of o.engine === 'mondo' ? [] : layout.mounts.entries()) {
      o.onProgress?.(`archiving ${m.target} (${m.source}, ${m.fstype}, ${m.used} bytes used)`);
      const archive = await streamArchive(session, root, m, join(work, `${i + 1}-${slug(m.target)}.tar.zst`), o.zstdLevel ?? 3);
      filesystems.push({ ...layout.filesystems[i]!, archive });
    }
    const manifest: ImageManifest = {
      format: MANIFEST_FORMAT,
      name: o.name,
      createdAt: new Date().toISOString(),
      source: { host: o.host, address: target.address },
      ...mondo,
      ...layout.manifest,
      filesystems,
    };
    await writeFile(join(work, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o640 });
    await rename(work, finalDir);
    return manifest;
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  } finally {
    session.close();
  }
}

async function streamArchive(session: SshSession, root: (c: string) => string, m: Mount, file: string, level: number): Promise<ArchiveEntry> {
  // tar's status travels on stderr: the channel's own status is zstd's, the end of the pipe.
  const command = root(`cd ${shellWord(m.target)} && { ${TAR_CREATE} . ; echo "${TAR_EXIT}$?" >&2; } | zstd -q -c -T0 -${level}`);
  const channel = await session.exec(command);
  const errors = new OutputCap(32 * 1024);
  channel.stderr.on('data', (c: Buffer) => errors.push(c));
  const exit = exitOf(channel);
  const received = await receiveFile(channel, file);
  const code = await exit;
  const text = errors.result().text;
  const tarExit = Number(new RegExp(`${TAR_EXIT}(\\d+)`).exec(text)?.[1] ?? NaN);
  const words = text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(TAR_EXIT))
    .join('\n');
  if (session.failure()) throw session.failure()!;
  // tar 1 = "some files differ" (changed while read): kept, with its words; anything else is a failed archive.
  if (code !== 0 || !(tarExit === 0 || tarExit === 1))
    throw new DployError(
      'DPLOY_ERR_IMAGE_CAPTURE',
      `${session.who}: archiving ${m.target} failed (tar ${Number.isNaN(tarExit) ? 'did not finish' : `exit ${tarExit}`}, zstd ${code}): ${words.slice(0, 400)}`,
    );
  return {
    ...received,
    format: 'tar+zstd',
    ...(tarExit === 1 ? { warnings: words.slice(0, 2000) } : {}),
  };
}

/** "/" → "root", "/boot/efi" → "boot-efi": a readable archive name. */
function slug(mountpoint: string): string {
  return mountpoint === '/'
    ? 'root'
    : mountpoint
        .replace(/^\/+/, '')
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .slice(0, 60)
        .toLowerCase();
}

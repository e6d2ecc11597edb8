// The chain's restore of chosen paths (rebuild, docs/images.md): which
// archive holds each path and which members of it to extract, as plain lines
// agent-scripts/dploy-restore --paths reads. A path lies in the filesystem
// with the longest mountpoint above it; a filesystem mounted below a chosen
// path comes whole. What names the new install's own disks and boot stays
// the install's: /etc/fstab, /etc/crypttab and /boot are never restored.

import { posix } from 'node:path';
import { DployError } from '../errors.js';
import type { FilesystemEntry, ImageManifest } from './manifest.js';
import { under } from './layout-probe.js';
import { depth, word } from './restore-plan.js';

/** Kept from the fresh install: they name its filesystems (UUIDs) and its kernel and bootloader. */
export const KEPT_FROM_INSTALL = ['/etc/fstab', '/etc/crypttab', '/boot'] as const;

export function checkRestorePaths(paths: readonly string[]): string[] {
  return paths.map((p) => {
    if (!p.startsWith('/') || p.split('/').includes('..') || /\s/.test(p))
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `restore path "${p.slice(0, 80)}" must be absolute, without "..", spaces or tabs`);
    const path = posix.normalize(p).replace(/(.)\/$/, '$1');
    if (KEPT_FROM_INSTALL.some((k) => under(path, k)))
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `restore path ${path} belongs to the new install (${KEPT_FROM_INSTALL.join(', ')} are kept from it)`);
    return path;
  });
}

/** tar's member name for `path` in the archive of a filesystem mounted at `mountpoint`. */
function member(path: string, mountpoint: string): string {
  return path === mountpoint ? '.' : `.${mountpoint === '/' ? path : path.slice(mountpoint.length)}`;
}

export function pathsPlan(m: ImageManifest, chosen: readonly string[]): string {
  const paths = checkRestorePaths(chosen);
  const members = new Map<FilesystemEntry, Set<string>>();
  const add = (fs: FilesystemEntry, name: string) => members.set(fs, (members.get(fs) ?? new Set()).add(name));
  for (const path of paths) {
    const holder = m.filesystems.filter((f) => under(path, f.mountpoint)).sort((a, b) => depth(b.mountpoint) - depth(a.mountpoint))[0];
    if (!holder)
      throw new DployError(
        'DPLOY_ERR_INVALID_INPUT',
        `image ${m.name} holds no filesystem with ${path} (it has ${m.filesystems.map((f) => f.mountpoint).join(', ')})`,
      );
    add(holder, member(path, holder.mountpoint));
    for (const below of m.filesystems) if (below !== holder && under(below.mountpoint, path)) add(below, '.');
  }
  const lines = ['# dploy restore paths 1', `image ${m.name}`];
  for (const [fs, names] of [...members].sort(([a], [b]) => depth(a.mountpoint) - depth(b.mountpoint))) {
    if (KEPT_FROM_INSTALL.some((k) => under(fs.mountpoint, k))) continue;
    const list = names.has('.') ? ['.'] : [...names].sort();
    lines.push(`archive ${fs.archive.file} ${fs.archive.sha256} ${word(fs.mountpoint)} ${list.map(word).join(' ')}`);
    for (const kept of KEPT_FROM_INSTALL)
      if (kept !== fs.mountpoint && under(kept, fs.mountpoint)) lines.push(`exclude ${fs.archive.file} ${word(member(kept, fs.mountpoint))}`);
  }
  lines.push('end');
  return lines.join('\n') + '\n';
}

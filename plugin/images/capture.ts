// Capture a running machine over SSH into the image store: probe its layout,
// then stream one tar of each filesystem, compressed on the source by zstd,
// straight into the image directory while SHA-256 is computed on the way.
// Nothing is written on the source; the image appears (renamed from a
// partial directory) only once every archive and the manifest are complete.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientChannel } from 'ssh2';
import { DployError } from '../errors.js';
import { OutputCap } from '../remote/output-cap.js';
import { openSession, type SessionOptions, type SshSession } from '../remote/ssh-session.js';
import type { SshTarget } from '../remote/ssh-target.js';
import { imageDir, partialDir } from './image-store.js';
import {
  LAYOUT_PROBE,
  chooseMounts,
  deviceOf,
  deviceProbe,
  parseBlkid,
  parseMounts,
  parseSfdiskDump,
  parseNics,
  parseSubvolumes,
  sections,
  shellWord,
  swapDevices,
  unmountedSubvolumes,
  type Mount,
} from './layout-probe.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, type ArchiveEntry, type BtrfsEntry, type FilesystemEntry, type ImageManifest } from './manifest.js';
import { BlockTree, parseLvs, parseMd, parsePvs, placement, stackProbe, stackUnder, volumeGroup } from './storage-stack.js';

export interface CaptureOptions extends SessionOptions {
  storeDir: string;
  name: string;
  /** The host's name in dploy, recorded in the manifest. */
  host: string;
  /** Mountpoints to archive; all mounted block-device filesystems when empty. */
  filesystems?: readonly string[];
  /** zstd level on the source (1 fastest … 19). */
  zstdLevel?: number;
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
const PROBE_CAP = 4 * 1024 * 1024;

export async function captureImage(target: SshTarget, o: CaptureOptions): Promise<ImageManifest> {
  const finalDir = imageDir(o.storeDir, o.name);
  if (await stat(finalDir).catch(() => undefined)) throw new DployError('DPLOY_ERR_CONFLICT', `image ${o.name} already exists in ${o.storeDir}`);
  const session = await openSession(target, o);
  const root = target.user === 'root' ? (cmd: string) => cmd : (cmd: string) => `sudo -n sh -c ${shellWord(cmd)}`;
  const work = partialDir(o.storeDir, o.name);
  try {
    const first = sections(await probe(session, root(LAYOUT_PROBE)));
    const tree = new BlockTree(first.get('lsblk') ?? '{"blockdevices":[]}');
    const allMounts = parseMounts(first.get('findmnt') ?? '{"filesystems":[]}');
    let mounts = chooseMounts(allMounts, o.filesystems, session.who);
    if (mounts.length === 0) throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `${session.who}: no mounted filesystem dploy can archive`);
    const tar = (first.get('tar') ?? '').trim();
    const zstd = (first.get('zstd') ?? '').trim();
    if (!tar.includes('GNU tar') || !zstd)
      throw new DployError(
        'DPLOY_ERR_IMAGE_CAPTURE',
        `${session.who}: GNU tar and zstd are needed on the machine (found: ${tar || 'no tar'}; ${zstd || 'no zstd'})`,
      );
    const swaps = swapDevices(first.get('swaps') ?? '');
    const fsDevices = [...new Set(mounts.map(deviceOf)), ...swaps];
    // The md arrays and volume groups under them, and the disks at the bottom (storage-stack.ts).
    const lvs = parseLvs(first.get('lvs') ?? '');
    const pvs = parsePvs(first.get('pvs') ?? '');
    const stack = stackUnder(fsDevices, tree, lvs, pvs);
    const disks = stack.disks;
    // Each btrfs filesystem with its mounts (one of them is where btrfs-progs asks about it).
    const btrfsMounts = new Map<string, Mount[]>();
    for (const m of mounts.filter((x) => x.fstype === 'btrfs')) btrfsMounts.set(deviceOf(m), [...(btrfsMounts.get(deviceOf(m)) ?? []), m]);
    const btrfsProbe = [...btrfsMounts].map(([device, ms]) => ({ device, mountpoint: ms[0]!.target }));
    const probed = [...new Set([...fsDevices, ...stack.devices])];
    const second = sections(await probe(session, root(deviceProbe(probed, disks, btrfsProbe, stackProbe(stack)))));
    const blkid = (d: string) => parseBlkid(second.get(`blkid ${d}`) ?? '');
    const where = (d: string) => placement(d, tree, lvs, blkid(d));
    const md = stack.md.map((d) => parseMd(d, second.get(`md ${d}`) ?? '', where));
    const volumeGroups = stack.volumeGroups.map((vg) => volumeGroup(vg, second.get(`vg ${vg}`) ?? '', pvs, where));
    const btrfs: BtrfsEntry[] = [...btrfsMounts].map(([device, ms]) => {
      const mounted = ms.map((m) => m.fsroot ?? '/');
      const layout = parseSubvolumes(second.get(`btrfs-list ${device}`) ?? '', second.get(`btrfs-default ${device}`) ?? '', mounted);
      if (!layout)
        throw new DployError(
          'DPLOY_ERR_IMAGE_CAPTURE',
          `${session.who}: btrfs subvolume get-default answered nothing for ${device}: btrfs-progs is needed there`,
        );
      const id = blkid(device);
      return { device, ...(id.UUID ? { uuid: id.UUID } : {}), ...layout };
    });
    // A btrfs mount of a directory that is no subvolume is a bind mount: its files travel in their subvolume's archive.
    const bind = mounts.filter((m) => m.fstype === 'btrfs' && (m.fsroot ?? '/') !== '/' && !btrfs.some((b) => b.subvolumes.includes(m.fsroot!)));
    if (bind.length > 0 && o.filesystems?.length)
      throw new DployError(
        'DPLOY_ERR_INVALID_INPUT',
        `${session.who}: ${bind.map((m) => `${m.target} (${m.source})`).join(', ')} is a bind mount of a directory, no btrfs subvolume`,
      );
    mounts = mounts.filter((m) => !bind.includes(m));
    mounts = [...mounts, ...btrfs.flatMap((b) => unmountedSubvolumes(b, mounts, allMounts))];

    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true, mode: 0o750 });
    const filesystems: FilesystemEntry[] = [];
    for (const [i, m] of mounts.entries()) {
      o.onProgress?.(`archiving ${m.target} (${m.source}, ${m.fstype}, ${m.used} bytes used)`);
      const archive = await streamArchive(session, root, m, join(work, `${i + 1}-${slug(m.target)}.tar.zst`), o.zstdLevel ?? 3);
      const id = blkid(deviceOf(m));
      filesystems.push({
        device: deviceOf(m),
        mountpoint: m.target,
        fstype: m.fstype,
        ...(id.UUID ? { uuid: id.UUID } : {}),
        ...(id.LABEL ? { label: id.LABEL } : {}),
        ...placement(deviceOf(m), tree, lvs, id),
        sizeBytes: m.size,
        usedBytes: m.used,
        ...(m.fstype === 'btrfs' ? { subvolume: m.fsroot ?? '/' } : {}),
        archive,
      });
    }
    const firmware = (first.get('firmware') ?? '').trim() === 'uefi' ? 'uefi' : 'bios';
    const nics = parseNics(first.get('nics') ?? '', first.get('route') ?? '');
    const efi = mounts.find((m) => m.fstype === 'vfat' && /^\/boot(\/efi)?$/.test(m.target));
    const manifest: ImageManifest = {
      format: MANIFEST_FORMAT,
      name: o.name,
      createdAt: new Date().toISOString(),
      source: { host: o.host, address: target.address },
      firmware,
      bootloader: (first.get('grub') ?? '').trim() ? { kind: 'grub', ...(firmware === 'uefi' && efi ? { efiDirectory: efi.target } : {}) } : { kind: 'none' },
      disks: disks.map((d) => parseSfdiskDump(second.get(`sfdisk ${d}`) ?? '', tree.byPath.get(d)!)),
      filesystems,
      swap: swaps.map((d) => {
        const id = blkid(d);
        return { device: d, ...(id.UUID ? { uuid: id.UUID } : {}), ...(id.LABEL ? { label: id.LABEL } : {}), ...placement(d, tree, lvs, id) };
      }),
      ...(btrfs.length > 0 ? { btrfs } : {}),
      ...(md.length > 0 ? { md } : {}),
      ...(volumeGroups.length > 0 ? { volumeGroups } : {}),
      ...(first.get('lvm')?.trim() ? { lvm: first.get('lvm')!.trim() } : {}),
      ...(first.get('mdstat')?.includes('md') ? { mdstat: first.get('mdstat')! } : {}),
      fstab: first.get('fstab') ?? '',
      ...(nics.length > 0 ? { nics } : {}),
      tools: { tar, zstd },
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

/** A short command whose output is read whole (a few KiB; capped against a runaway). */
async function probe(session: SshSession, command: string): Promise<string> {
  const channel = await session.exec(command);
  const out: Buffer[] = [];
  let bytes = 0;
  const err = new OutputCap(16 * 1024);
  channel.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes <= PROBE_CAP) out.push(c);
  });
  channel.stderr.on('data', (c: Buffer) => err.push(c));
  const code = await exitOf(channel);
  if (code !== 0 || bytes > PROBE_CAP)
    throw new DployError(
      'DPLOY_ERR_IMAGE_CAPTURE',
      `${session.who}: layout probe ${bytes > PROBE_CAP ? 'printed too much' : `exited with ${code}`}: ${err.result().text.trim()}`,
    );
  return Buffer.concat(out).toString('utf8');
}

async function streamArchive(session: SshSession, root: (c: string) => string, m: Mount, file: string, level: number): Promise<ArchiveEntry> {
  // tar's status travels on stderr: the channel's own status is zstd's, the end of the pipe.
  const command = root(`cd ${shellWord(m.target)} && { ${TAR_CREATE} . ; echo "${TAR_EXIT}$?" >&2; } | zstd -q -c -T0 -${level}`);
  const channel = await session.exec(command);
  const hash = createHash('sha256');
  let bytes = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const errors = new OutputCap(32 * 1024);
  channel.stderr.on('data', (c: Buffer) => errors.push(c));
  const exit = exitOf(channel);
  await pipeline(channel, tee, createWriteStream(file, { mode: 0o640 }));
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
    file: file.slice(file.lastIndexOf('/') + 1),
    bytes,
    sha256: hash.digest('hex'),
    format: 'tar+zstd',
    ...(tarExit === 1 ? { warnings: words.slice(0, 2000) } : {}),
  };
}

function exitOf(channel: ClientChannel): Promise<number | null> {
  return new Promise((resolve) => channel.on('close', (code: number | null) => resolve(code ?? null)));
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

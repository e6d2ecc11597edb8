// What a source machine's layout is, read by two rounds of probes (layout-probe.ts
// prints them, storage-stack.ts reads md and LVM): the mounts to archive and
// every field of the manifest but the archives. `ask` runs a probe as root
// and returns what it printed: over SSH in a capture (capture.ts), over a
// serial console in the boot-environment test.

import { DployError } from '../errors.js';
import {
  LAYOUT_PROBE,
  chooseMounts,
  deviceOf,
  deviceProbe,
  parseBlkid,
  parseMounts,
  parseNics,
  parseSfdiskDump,
  parseSubvolumes,
  sections,
  swapDevices,
  unmountedSubvolumes,
  type Mount,
} from './layout-probe.js';
import type { BtrfsEntry, FilesystemEntry, ImageManifest } from './manifest.js';
import { BlockTree, parseLvs, parseMd, parsePvs, placement, stackProbe, stackUnder, volumeGroup } from './storage-stack.js';

export interface SourceLayout {
  /** The mounts to archive, in archive order. */
  mounts: Mount[];
  /** Each mount's manifest entry but its archive, in the same order. */
  filesystems: Omit<FilesystemEntry, 'archive'>[];
  /** The manifest's layout fields. */
  manifest: Omit<ImageManifest, 'format' | 'name' | 'createdAt' | 'source' | 'filesystems'>;
}

/** Reads the layout of `who` (named in errors); `filesystems` are the mountpoints asked for, all when empty. */
export async function readLayout(ask: (command: string) => Promise<string>, who: string, filesystems?: readonly string[]): Promise<SourceLayout> {
  const first = sections(await ask(LAYOUT_PROBE));
  const tree = new BlockTree(first.get('lsblk') ?? '{"blockdevices":[]}');
  const allMounts = parseMounts(first.get('findmnt') ?? '{"filesystems":[]}');
  let mounts = chooseMounts(allMounts, filesystems, who);
  if (mounts.length === 0) throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `${who}: no mounted filesystem dploy can archive`);
  const tar = (first.get('tar') ?? '').trim();
  const zstd = (first.get('zstd') ?? '').trim();
  if (!tar.includes('GNU tar') || !zstd)
    throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `${who}: GNU tar and zstd are needed on the machine (found: ${tar || 'no tar'}; ${zstd || 'no zstd'})`);
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
  const second = sections(await ask(deviceProbe(probed, disks, btrfsProbe, stackProbe(stack))));
  const blkid = (d: string) => parseBlkid(second.get(`blkid ${d}`) ?? '');
  const where = (d: string) => placement(d, tree, lvs, blkid(d));
  const md = stack.md.map((d) => parseMd(d, second.get(`md ${d}`) ?? '', where));
  const volumeGroups = stack.volumeGroups.map((vg) => volumeGroup(vg, second.get(`vg ${vg}`) ?? '', pvs, where));
  const btrfs: BtrfsEntry[] = [...btrfsMounts].map(([device, ms]) => {
    const mounted = ms.map((m) => m.fsroot ?? '/');
    const layout = parseSubvolumes(second.get(`btrfs-list ${device}`) ?? '', second.get(`btrfs-default ${device}`) ?? '', mounted);
    if (!layout)
      throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `${who}: btrfs subvolume get-default answered nothing for ${device}: btrfs-progs is needed there`);
    const id = blkid(device);
    return { device, ...(id.UUID ? { uuid: id.UUID } : {}), ...layout };
  });
  // A btrfs mount of a directory that is no subvolume is a bind mount: its files travel in their subvolume's archive.
  const bind = mounts.filter((m) => m.fstype === 'btrfs' && (m.fsroot ?? '/') !== '/' && !btrfs.some((b) => b.subvolumes.includes(m.fsroot!)));
  if (bind.length > 0 && filesystems?.length)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `${who}: ${bind.map((m) => `${m.target} (${m.source})`).join(', ')} is a bind mount of a directory, no btrfs subvolume`,
    );
  mounts = mounts.filter((m) => !bind.includes(m));
  mounts = [...mounts, ...btrfs.flatMap((b) => unmountedSubvolumes(b, mounts, allMounts))];

  const firmware = (first.get('firmware') ?? '').trim() === 'uefi' ? 'uefi' : 'bios';
  const nics = parseNics(first.get('nics') ?? '', first.get('route') ?? '');
  const efi = mounts.find((m) => m.fstype === 'vfat' && /^\/boot(\/efi)?$/.test(m.target));
  const described: SourceLayout['filesystems'] = mounts.map((m) => {
    const id = blkid(deviceOf(m));
    return {
      device: deviceOf(m),
      mountpoint: m.target,
      fstype: m.fstype,
      ...(id.UUID ? { uuid: id.UUID } : {}),
      ...(id.LABEL ? { label: id.LABEL } : {}),
      ...placement(deviceOf(m), tree, lvs, id),
      sizeBytes: m.size,
      usedBytes: m.used,
      ...(m.fstype === 'btrfs' ? { subvolume: m.fsroot ?? '/' } : {}),
    };
  });
  return {
    mounts,
    filesystems: described,
    manifest: {
      firmware,
      bootloader: (first.get('grub') ?? '').trim() ? { kind: 'grub', ...(firmware === 'uefi' && efi ? { efiDirectory: efi.target } : {}) } : { kind: 'none' },
      disks: disks.map((d) => parseSfdiskDump(second.get(`sfdisk ${d}`) ?? '', tree.byPath.get(d)!)),
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
    },
  };
}

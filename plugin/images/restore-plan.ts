// An image's manifest as the restore script reads it: plain lines a POSIX
// shell takes apart with `read`, no JSON parser needed in the boot
// environment. The partition table is the source's `sfdisk --dump` with the
// lines that name the source disk taken out, so sfdisk lays the same
// partitions (same label-id, partition UUIDs and types) on a disk of any
// size at least as large. agent-scripts/dploy-restore is its only reader.

import { DployError } from '../errors.js';
import type { ImageManifest } from './manifest.js';

/** A GPT keeps a backup header and partition entries in the disk's last 33 sectors. */
const GPT_BACKUP_SECTORS = 33;

/** Bytes a target disk needs: the end of the last partition, plus a GPT's backup at the end. */
export function minimumDiskBytes(m: ImageManifest): number {
  const disk = onlyDisk(m);
  const end = Math.max(0, ...disk.partitions.map((p) => p.startSector + p.sizeSectors));
  return (end + (disk.label === 'gpt' ? GPT_BACKUP_SECTORS : 0)) * disk.sectorSize;
}

function onlyDisk(m: ImageManifest) {
  if (m.disks.length !== 1)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `image ${m.name} spans ${m.disks.length} disks; this dploy restores images of exactly one partitioned disk`,
    );
  return m.disks[0]!;
}

/** fstab's own escape for a space in a path (\040), so a mountpoint stays one word. */
export function word(text: string): string {
  return text.replace(/[\\\s]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

export function restorePlan(m: ImageManifest): string {
  const disk = onlyDisk(m);
  const stranded = m.filesystems.filter((f) => f.disk !== disk.device || !f.partition);
  if (stranded.length > 0)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `image ${m.name}: ${stranded.map((f) => `${f.mountpoint} (${f.device})`).join(', ')} not on a partition of ${disk.device} (LVM and md RAID are not restored by this dploy yet)`,
    );
  const table = disk.sfdiskDump
    .split('\n')
    .filter((l) => !/^(device|last-lba):/.test(l))
    .map((l) => l.replace(/^\S*?(\d+)\s*:/, 'p$1 :'))
    .join('\n')
    .trim();
  const lines = [
    '# dploy restore plan 1',
    `image ${m.name}`,
    `firmware ${m.firmware}`,
    `bootloader ${m.bootloader.kind} ${word(m.bootloader.efiDirectory ?? '-')}`,
    `disk ${disk.sectorSize} ${minimumDiskBytes(m)} ${disk.sizeBytes}`,
    'table-begin',
    table,
    'table-end',
    // Shallow mountpoints first: / is mounted before /boot before /boot/efi.
    ...[...m.filesystems]
      .sort((a, b) => depth(a.mountpoint) - depth(b.mountpoint))
      .map((f) => `fs ${f.partition} ${f.fstype} ${f.uuid ?? '-'} ${f.archive.file} ${f.archive.sha256} ${word(f.mountpoint)} ${f.label ?? ''}`.trimEnd()),
    // btrfs: the subvolumes to create once its filesystem is made (parents first), the default one when it was not the
    // top level, and the subvolume each archive is extracted into (docs/images.md).
    ...(m.btrfs ?? []).flatMap((b) => {
      const part = m.filesystems.find((f) => f.device === b.device)?.partition;
      return [
        ...b.subvolumes.filter((s) => s !== '/').map((s) => `btrfs-subvolume ${part} ${word(s)}`),
        ...(b.defaultSubvolume !== '/' ? [`btrfs-default ${part} ${word(b.defaultSubvolume)}`] : []),
      ];
    }),
    ...m.filesystems.filter((f) => f.subvolume).map((f) => `btrfs-mount ${f.archive.file} ${word(f.subvolume!)}`),
    // The source's NIC names by MAC, primary first: dploy-restore pins them on the target (docs/images.md).
    ...(m.nics ?? []).map((n) => `nic ${n.name} ${n.mac}`),
    ...m.swap.filter((s) => s.disk === disk.device && s.partition).map((s) => `swap ${s.partition} ${s.uuid ?? '-'} ${s.label ?? ''}`.trimEnd()),
    'end',
  ];
  return lines.join('\n') + '\n';
}

export function depth(mountpoint: string): number {
  return mountpoint === '/' ? 0 : mountpoint.split('/').length - 1;
}

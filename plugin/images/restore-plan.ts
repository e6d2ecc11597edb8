// An image's manifest as the restore script reads it: plain lines a POSIX
// shell takes apart with `read`, no JSON parser needed in the boot
// environment. Each disk's partition table is the source's `sfdisk --dump`
// with the lines that name the source disk taken out, so sfdisk lays the same
// partitions (same label-id, partition UUIDs and types) on a disk of any
// size at least as large. md arrays and LVM volume groups follow, then the
// filesystems, each on a block device named by a word the script resolves:
// `disk1:2` (partition 2 of the image's first disk), `md:md0`, `lv:VG/LV`.
// agent-scripts/dploy-restore is its only reader; docs/images.md describes
// every line.

import { DployError } from '../errors.js';
import type { DiskEntry, ImageManifest, Placement } from './manifest.js';

/** A GPT keeps a backup header and partition entries in the disk's last 33 sectors. */
const GPT_BACKUP_SECTORS = 33;
/** GRUB's BIOS boot partition: where grub-install i386-pc puts its core image on a GPT disk. */
const BIOS_BOOT = '21686148-6449-6E6F-744E-656564454649';

/** Bytes a target disk needs: the end of the last partition, plus a GPT's backup at the end. */
export function minimumDiskBytes(disk: DiskEntry): number {
  const end = Math.max(0, ...disk.partitions.map((p) => p.startSector + p.sizeSectors));
  return (end + (disk.label === 'gpt' ? GPT_BACKUP_SECTORS : 0)) * disk.sectorSize;
}

/** fstab's own escape for a space in a path (\040), so a mountpoint stays one word. */
export function word(text: string): string {
  return text.replace(/[\\\s]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** The plan's word for where a device lives, or a refusal that names it. */
function refOf(m: ImageManifest, what: string, device: string, p: Placement): string {
  const refuse = (why: string) => {
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `image ${m.name}: ${what} (${device}) ${why}`);
  };
  if (p.disk && p.partition) {
    const i = m.disks.findIndex((d) => d.device === p.disk);
    if (i < 0) refuse(`is on ${p.disk}, which the image holds no partition table of`);
    return `disk${i + 1}:${p.partition}`;
  }
  if (p.md) {
    if (!m.md?.some((a) => a.device === p.md)) refuse(`is on ${p.md}, which the image does not describe (taken by an older dploy: capture it again)`);
    return `md:${p.md.replace(/^\/dev\//, '')}`;
  }
  if (p.lv) {
    if (!m.volumeGroups?.some((vg) => vg.name === p.lv!.split('/')[0]))
      refuse(`is on LVM volume ${p.lv}, whose volume group the image does not describe (taken by an older dploy: capture it again)`);
    return `lv:${p.lv}`;
  }
  return refuse('is not on a partition, an md array or an LVM volume (LUKS, multipath or a whole disk: not restored by this dploy)');
}

/** The image's disks that hold `ref`, through md members and a volume group's PVs. */
function disksUnder(m: ImageManifest, ref: string): Set<number> {
  const out = new Set<number>();
  const walk = (r: string) => {
    const [kind, rest] = [r.slice(0, r.indexOf(':')), r.slice(r.indexOf(':') + 1)];
    if (kind.startsWith('disk')) out.add(Number(kind.slice(4)));
    else if (kind === 'md') {
      const array = m.md?.find((a) => a.device === `/dev/${rest}`);
      array?.members.forEach((x) => walk(refOf(m, `member of ${array.device}`, x.device, x)));
    } else if (kind === 'lv') {
      const vg = m.volumeGroups?.find((g) => g.name === rest.split('/')[0]);
      vg?.pvs.forEach((pv) => walk(refOf(m, `a PV of ${vg.name}`, pv.device, pv)));
    }
  };
  walk(ref);
  return out;
}

/**
 * BIOS: grub-install i386-pc goes on every disk under /boot (else /) that can hold its core image (a GPT disk with
 * a BIOS boot partition, or an MBR disk): both halves of a RAID1 boot, as Debian's installer sets up, so the machine
 * still boots when either disk dies. At least the first disk.
 */
function grubDisks(m: ImageManifest, refs: Map<string, string>): number[] {
  const boot = m.filesystems.find((f) => f.mountpoint === '/boot') ?? m.filesystems.find((f) => f.mountpoint === '/');
  const under = boot ? [...disksUnder(m, refs.get(boot.archive.file)!)].sort((a, b) => a - b) : [];
  const able = under.filter((i) => {
    const d = m.disks[i - 1]!;
    return d.label === 'dos' || d.sfdiskDump.toUpperCase().includes(`TYPE=${BIOS_BOOT}`);
  });
  return able.length > 0 ? able : [1];
}

/**
 * vgcfgrestore puts back metadata, not data: a linear or striped LV is whole once its filesystem is made and
 * extracted, but a thin pool's own metadata, a RAID LV's rmeta, a cache's state would be garbage. Those are refused.
 */
function refuseSegments(m: ImageManifest): void {
  for (const vg of m.volumeGroups ?? []) {
    const types = [...new Set([...vg.metadata.matchAll(/^\s*type = "([^"]+)"/gm)].map((t) => t[1]!))].filter((t) => t !== 'striped');
    if (types.length > 0)
      throw new DployError(
        'DPLOY_ERR_INVALID_INPUT',
        `image ${m.name}: volume group ${vg.name} holds ${types.join(', ')} segments; dploy restores linear and striped LVs only (vgcfgrestore brings back metadata, not a thin pool's, RAID LV's or cache's own data)`,
      );
  }
}

export function restorePlan(m: ImageManifest): string {
  if (m.disks.length === 0) throw new DployError('DPLOY_ERR_INVALID_INPUT', `image ${m.name} holds no partitioned disk`);
  refuseSegments(m);
  const refs = new Map(m.filesystems.map((f) => [f.archive.file, refOf(m, f.mountpoint, f.device, f)]));
  // A swap device dploy cannot place (random-key encrypted swap, which crypttab remakes at boot) is left out, as before.
  const swaps = m.swap.flatMap((s) => {
    try {
      return [{ s, ref: refOf(m, 'swap', s.device, s) }];
    } catch {
      return [];
    }
  });
  const lines = [
    '# dploy restore plan 2',
    `image ${m.name}`,
    `firmware ${m.firmware}`,
    `bootloader ${m.bootloader.kind} ${word(m.bootloader.efiDirectory ?? '-')}`,
    ...m.disks.flatMap((disk, i) => [
      `disk ${i + 1} ${disk.sectorSize} ${minimumDiskBytes(disk)} ${disk.sizeBytes} ${disk.device}`,
      `table-begin ${i + 1}`,
      disk.sfdiskDump
        .split('\n')
        .filter((l) => !/^(device|last-lba):/.test(l))
        .map((l) => l.replace(/^\S*?(\d+)\s*:/, 'p$1 :'))
        .join('\n')
        .trim(),
      'table-end',
    ]),
    ...(m.firmware === 'bios' && m.bootloader.kind === 'grub' ? grubDisks(m, refs).map((i) => `grub-disk ${i}`) : []),
    // Arrays before the PVs that may sit on them; each member at its slot, an empty slot (degraded source) "missing".
    ...(m.md ?? []).map((a) => {
      const slots = Array.from({ length: a.raidDevices }, (_, role) => {
        const x = a.members.find((y) => y.role === role);
        return x ? refOf(m, `member of ${a.device}`, x.device, x) : 'missing';
      });
      const offset = a.members[0]?.dataOffsetSectors ?? 0;
      return `md ${a.device.replace(/^\/dev\//, '')} ${a.level} ${a.metadata} ${a.uuid} ${a.name ?? '-'} ${a.chunkBytes} ${a.layout ?? '-'} ${offset} ${slots.join(' ')}`;
    }),
    ...(m.volumeGroups ?? []).flatMap((vg) => [
      ...vg.pvs.map((pv) => `lvm-pv ${vg.name} ${pv.uuid} ${refOf(m, `a PV of ${vg.name}`, pv.device, pv)}`),
      `vg-begin ${vg.name}`,
      vg.metadata.trim(),
      'vg-end',
    ]),
    // Shallow mountpoints first: / is mounted before /boot before /boot/efi.
    ...[...m.filesystems]
      .sort((a, b) => depth(a.mountpoint) - depth(b.mountpoint))
      .map((f) =>
        `fs ${refs.get(f.archive.file)} ${f.fstype} ${f.uuid ?? '-'} ${f.archive.file} ${f.archive.sha256} ${word(f.mountpoint)} ${f.label ?? ''}`.trimEnd(),
      ),
    // btrfs: the subvolumes to create once its filesystem is made (parents first), the default one when it was not the
    // top level, and the subvolume each archive is extracted into (docs/images.md).
    ...(m.btrfs ?? []).flatMap((b) => {
      const fs = m.filesystems.find((f) => f.device === b.device);
      const ref = fs ? refs.get(fs.archive.file) : undefined;
      return [
        ...b.subvolumes.filter((s) => s !== '/').map((s) => `btrfs-subvolume ${ref} ${word(s)}`),
        ...(b.defaultSubvolume !== '/' ? [`btrfs-default ${ref} ${word(b.defaultSubvolume)}`] : []),
      ];
    }),
    ...m.filesystems.filter((f) => f.subvolume).map((f) => `btrfs-mount ${f.archive.file} ${word(f.subvolume!)}`),
    // The source's NIC names by MAC, primary first: dploy-restore pins them on the target (docs/images.md).
    ...(m.nics ?? []).map((n) => `nic ${n.name} ${n.mac}`),
    ...swaps.map(({ s, ref }) => `swap ${ref} ${s.uuid ?? '-'} ${s.label ?? ''}`.trimEnd()),
    'end',
  ];
  return lines.join('\n') + '\n';
}

export function depth(mountpoint: string): number {
  return mountpoint === '/' ? 0 : mountpoint.split('/').length - 1;
}

// What dploy asks a source machine about its layout, and how the answer is
// read (pure functions; the commands run over SSH in capture.ts). lsblk's
// FSTYPE/UUID/LABEL come from udev's database, empty where udev does not run
// (a rescue system, a container), so filesystems are probed with `blkid -p`,
// which reads the device itself.

import { DployError } from '../errors.js';
import type { DiskEntry, FilesystemEntry, NicEntry, PartitionEntry, SwapEntry } from './manifest.js';

/** Filesystems dploy archives with tar; others are named in the refusal. */
export const ARCHIVED_FSTYPES = ['ext2', 'ext3', 'ext4', 'xfs', 'vfat', 'btrfs'] as const;

/** Starts each section of a probe's output: `@@dploy <section>`. */
export const MARK = '@@dploy ';

/** First round: mounts, block devices, firmware, bootloader traces, fstab, LVM, md, NICs, tool versions. */
export const LAYOUT_PROBE = [
  `echo '${MARK}findmnt'; findmnt -J -b -l -o TARGET,SOURCE,FSTYPE,SIZE,USED,FSROOT`,
  `echo '${MARK}lsblk'; lsblk -J -b -o NAME,PATH,TYPE,SIZE,PKNAME,LOG-SEC`,
  `echo '${MARK}firmware'; if [ -d /sys/firmware/efi ]; then echo uefi; else echo bios; fi`,
  `echo '${MARK}grub'; for d in /boot/grub /boot/grub2; do [ -d "$d" ] && echo "$d"; done; true`,
  `echo '${MARK}fstab'; cat /etc/fstab 2>/dev/null; true`,
  `echo '${MARK}swaps'; cat /proc/swaps 2>/dev/null; true`,
  `echo '${MARK}lvm'; lvm fullreport --reportformat json 2>/dev/null; true`,
  // The LVs by the /dev/mapper path findmnt names, and every PV with its VG (storage-stack.ts).
  `echo '${MARK}lvs'; lvs --reportformat json -o vg_name,lv_name,lv_dm_path 2>/dev/null; true`,
  `echo '${MARK}pvs'; pvs --reportformat json -o pv_name,pv_uuid,vg_name,vg_uuid 2>/dev/null; true`,
  `echo '${MARK}mdstat'; cat /proc/mdstat 2>/dev/null; true`,
  `echo '${MARK}nics'; for d in /sys/class/net/*; do [ -e "$d/device" ] && echo "\${d##*/} $(cat "$d/address")"; done; true`,
  `echo '${MARK}route'; ip -o route show default 2>/dev/null; true`,
  `echo '${MARK}tar'; tar --version 2>/dev/null | head -n 1`,
  `echo '${MARK}zstd'; zstd --version 2>/dev/null`,
].join('; ');

/**
 * Second round, for the chosen devices: blkid of each, sfdisk --dump of each disk, for each btrfs filesystem
 * (by a mountpoint of it) its subvolumes and default subvolume, and the md/LVM commands of storage-stack.ts.
 * btrfs-progs, mdadm and lvm2 are asked only where their kind is in use.
 */
export function deviceProbe(devices: string[], disks: string[], btrfs: { device: string; mountpoint: string }[] = [], stack: string[] = []): string {
  return [
    ...stack,
    ...devices.map((d) => `echo '${MARK}blkid ${d}'; blkid -p -o export ${shellWord(d)}; true`),
    ...btrfs.flatMap(({ device, mountpoint }) => [
      `echo '${MARK}btrfs-list ${device}'; btrfs subvolume list -a ${shellWord(mountpoint)}`,
      `echo '${MARK}btrfs-default ${device}'; btrfs subvolume get-default ${shellWord(mountpoint)}`,
    ]),
    ...disks.map((d) => `echo '${MARK}sfdisk ${d}'; sfdisk --dump ${shellWord(d)}`),
  ].join('; ');
}

export function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The probe's output cut at its markers: section name → text. */
export function sections(output: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(MARK)) {
      if (name !== undefined) out.set(name, lines.join('\n'));
      name = line.slice(MARK.length);
      lines = [];
    } else lines.push(line);
  }
  if (name !== undefined) out.set(name, lines.join('\n'));
  return out;
}

export interface Mount {
  target: string;
  source: string;
  fstype: string;
  size: number;
  used: number;
  /** The mount's root inside its filesystem: a btrfs subvolume's path ("/" for the top level or a whole filesystem). */
  fsroot?: string;
}

export interface BlockDevice {
  name: string;
  path: string;
  type: string;
  size: number;
  pkname: string | null;
  'log-sec': number;
  children?: BlockDevice[];
}

export function parseMounts(json: string): Mount[] {
  return (JSON.parse(json) as { filesystems: Mount[] }).filesystems;
}

/**
 * The mounts to archive: every mounted block-device filesystem of a kind tar
 * can restore, or exactly the mountpoints asked for. One mount per source
 * (a bind mount or a btrfs subvolume mounted twice is archived once). findmnt
 * names a mount of a directory below a filesystem's root `/dev/vda2[/dir]`:
 * a bind mount, passed over, or on btrfs a subvolume (Fedora's / is
 * `/dev/vda3[/root]`), archived as its own tree.
 */
export function chooseMounts(mounts: Mount[], asked: readonly string[] | undefined, who: string): Mount[] {
  const onDevices = mounts.filter((m) => m.source.startsWith('/dev/') && (!m.source.includes('[') || m.fstype === 'btrfs'));
  if (asked && asked.length > 0) {
    return asked.map((path) => {
      const m = onDevices.find((x) => x.target === path);
      if (!m) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${who}: ${path} is not a mounted block-device filesystem there`);
      if (!(ARCHIVED_FSTYPES as readonly string[]).includes(m.fstype))
        throw new DployError('DPLOY_ERR_INVALID_INPUT', `${who}: ${path} is ${m.fstype}; dploy archives ${ARCHIVED_FSTYPES.join(', ')}`);
      return m;
    });
  }
  const seen = new Set<string>();
  return onDevices
    .filter((m) => (ARCHIVED_FSTYPES as readonly string[]).includes(m.fstype))
    .sort((a, b) => a.target.length - b.target.length)
    .filter((m) => (seen.has(m.source) ? false : (seen.add(m.source), true)));
}

/** The block device of a mount: findmnt's SOURCE without its `[/subvolume]`. */
export function deviceOf(m: Mount): string {
  return m.source.replace(/\[.*$/, '');
}

/** The snapper snapshot a subvolume path is or lies in (`/@/.snapshots/12/snapshot`). */
const SNAPPER_SNAPSHOT = /^.*?\/\.snapshots\/\d+\/snapshot(?=\/|$)/;

/**
 * `btrfs subvolume list -a` and `btrfs subvolume get-default` ("ID 5 (FS_TREE)" for the top level) as paths in
 * findmnt's FSROOT form: "/root", "/@/home", "/". Without -a, list names a subvolume below the mounted one from
 * there ("var/lib/machines" on Fedora's subvol=root); with -a every path is from the top level, some with a
 * "<FS_TREE>/" in front. Subvolumes come parents first; snapper's snapshots (and what lies in them) are left out
 * but the default and those in `keep` (the mounted ones): SUSE's / is a snapshot.
 */
export function parseSubvolumes(list: string, getDefault: string, keep: readonly string[]): { subvolumes: string[]; defaultSubvolume: string } | undefined {
  const id = /^ID (\d+)\b(?:.* path (.+))?/m.exec(getDefault.trim());
  if (!id) return undefined;
  const defaultSubvolume = id[1] === '5' || !id[2] ? '/' : `/${id[2]}`;
  const subvolumes = list
    .split('\n')
    .map((l) => / path (.+)$/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined)
    .map((p) => `/${p.replace(/^<FS_TREE>\//, '')}`)
    .filter((p) => {
      const snapshot = SNAPPER_SNAPSHOT.exec(p)?.[0];
      return !snapshot || snapshot === defaultSubvolume || keep.includes(snapshot);
    })
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  return { subvolumes, defaultSubvolume };
}

/** `path` is `dir` or inside it. */
export function under(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * The subvolumes of a btrfs filesystem (`btrfs[]`'s device and subvolumes) that no chosen mount shows but that lie
 * below a mounted one (Fedora's root/var/lib/machines under / ): `--one-file-system` leaves them out of their
 * parent's archive, so each is archived from where it shows, as a mount of its own. One covered by another mount
 * (`all`: every mount of the machine) cannot be read and is recreated empty.
 */
export function unmountedSubvolumes(btrfs: { device: string; subvolumes: string[] }, chosen: Mount[], all: Mount[]): Mount[] {
  const mine = chosen.filter((m) => m.fstype === 'btrfs' && deviceOf(m) === btrfs.device);
  const out: Mount[] = [];
  for (const subvolume of btrfs.subvolumes) {
    if (mine.some((m) => (m.fsroot ?? '/') === subvolume)) continue;
    const parent = mine.filter((m) => under(subvolume, m.fsroot ?? '/')).sort((a, b) => (b.fsroot ?? '/').length - (a.fsroot ?? '/').length)[0];
    if (!parent) continue;
    const rest = subvolume.slice((parent.fsroot ?? '/').length).replace(/^\/*/, '');
    const target = parent.target === '/' ? `/${rest}` : `${parent.target}/${rest}`;
    if (all.some((m) => m.target !== parent.target && under(m.target, parent.target) && under(target, m.target))) continue;
    out.push({ ...parent, target, source: `${btrfs.device}[${subvolume}]`, fsroot: subvolume });
  }
  return out;
}

/** `blkid -o export` lines as a record (TYPE, UUID, LABEL, PART_ENTRY_NUMBER …). */
export function parseBlkid(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export function parseSfdiskDump(dump: string, disk: BlockDevice): DiskEntry {
  const label = /^label:\s*(\S+)/m.exec(dump)?.[1];
  if (!label) throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `${disk.path}: sfdisk --dump printed no partition table`);
  const partitions: PartitionEntry[] = [];
  for (const line of dump.split('\n')) {
    const m = /^(\S+)\s*:\s*start=\s*(\d+),\s*size=\s*(\d+)/.exec(line);
    if (!m) continue;
    const number = Number(/(\d+)$/.exec(m[1]!)?.[1]);
    partitions.push({ number, device: m[1]!, startSector: Number(m[2]), sizeSectors: Number(m[3]) });
  }
  return { device: disk.path, sizeBytes: disk.size, sectorSize: disk['log-sec'], label, sfdiskDump: dump.trim() + '\n', partitions };
}

/** Swap partitions from /proc/swaps (swap files are not layout: they travel in their filesystem's archive). */
export function swapDevices(procSwaps: string): string[] {
  return procSwaps
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/))
    .filter((f) => f[1] === 'partition' && f[0]!.startsWith('/dev/'))
    .map((f) => f[0]!);
}

/**
 * The source's physical NICs ("name mac" lines) with the default route's NIC
 * first (the primary: a restore onto other hardware gives its name to the
 * target's boot NIC), the others by name.
 */
export function parseNics(nicLines: string, defaultRoute: string): NicEntry[] {
  const primary = /\bdev\s+(\S+)/.exec(defaultRoute)?.[1];
  return (
    nicLines
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      // A name is a file name in the restored system (10-dploy-NAME.link): the characters the kernel's names use in practice.
      .filter((f) => f.length === 2 && /^[\w.-]{1,15}$/.test(f[0]!) && /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(f[1]!))
      .map(([name, mac]) => ({ name: name!, mac: mac!.toLowerCase() }))
      .sort((a, b) => Number(b.name === primary) - Number(a.name === primary) || a.name.localeCompare(b.name))
  );
}

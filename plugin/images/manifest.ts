// An image's manifest.json: the source machine's layout (disks with their
// partition tables, filesystems with UUIDs and labels, swap, LVM, md RAID,
// fstab, firmware kind and bootloader) and one archive per filesystem with
// its size and SHA-256. docs/images.md describes every field.

import { DployError } from '../errors.js';

export const MANIFEST_FORMAT = 'dploy-image/1';
export const MANIFEST_FILE = 'manifest.json';

export interface PartitionEntry {
  number: number;
  /** As the source named it (/dev/sda2); the restore renames it for the target disk. */
  device: string;
  startSector: number;
  sizeSectors: number;
}

export interface DiskEntry {
  device: string;
  sizeBytes: number;
  sectorSize: number;
  /** gpt or dos. */
  label: string;
  /** `sfdisk --dump` as the source printed it: what the restore feeds to sfdisk (label-id and partition UUIDs kept). */
  sfdiskDump: string;
  partitions: PartitionEntry[];
}

export interface ArchiveEntry {
  /** File name in the image directory. */
  file: string;
  bytes: number;
  sha256: string;
  /** GNU tar --create --sparse --xattrs --acls --selinux --numeric-owner --one-file-system, zstd-compressed. */
  format: 'tar+zstd';
  /** tar's exit status 1 ("some files differ": written to while read) with its words; 0 leaves this out. */
  warnings?: string;
}

export interface FilesystemEntry {
  device: string;
  mountpoint: string;
  fstype: string;
  uuid?: string;
  label?: string;
  /** The disk and partition number it lives on; absent when it is on LVM or md (not restorable yet). */
  disk?: string;
  partition?: number;
  sizeBytes: number;
  usedBytes: number;
  /** btrfs: the subvolume mounted there, as findmnt's FSROOT ("/root", "/@/home"; "/" the top level). */
  subvolume?: string;
  archive: ArchiveEntry;
}

/** A btrfs filesystem's subvolumes, once per filesystem (its archives are the filesystem entries with its device). */
export interface BtrfsEntry {
  device: string;
  uuid?: string;
  /** Every subvolume, parents first, in FSROOT form; snapper's snapshots left out but a mounted or default one. */
  subvolumes: string[];
  /** What a mount without subvol= gives ("/" the top level): SUSE's root is its default subvolume. */
  defaultSubvolume: string;
}

export interface SwapEntry {
  device: string;
  uuid?: string;
  label?: string;
  disk?: string;
  partition?: number;
}

/** A physical NIC of the source (one with a device behind it in /sys/class/net). */
export interface NicEntry {
  name: string;
  /** Lower case, colons. */
  mac: string;
}

export interface ImageManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  createdAt: string;
  source: { host: string; address: string };
  firmware: 'uefi' | 'bios';
  /** grub with where its EFI directory is mounted (UEFI), or none found. */
  bootloader: { kind: 'grub' | 'none'; efiDirectory?: string };
  disks: DiskEntry[];
  filesystems: FilesystemEntry[];
  swap: SwapEntry[];
  /** btrfs filesystems' subvolumes; absent when no btrfs filesystem was archived (and in images taken before dploy recorded them). */
  btrfs?: BtrfsEntry[];
  /** `lvm fullreport --reportformat json` and /proc/mdstat, kept as the source printed them. */
  lvm?: string;
  mdstat?: string;
  fstab: string;
  /** The source's physical NICs, the primary (default route's) first; absent in images taken before dploy recorded them, or when none. */
  nics?: NicEntry[];
  tools: { tar: string; zstd: string };
}

/** A manifest read back from disk: the fields the restore and verify rely on are checked, the rest is trusted as dploy wrote it. */
export function parseManifest(text: string, where: string): ImageManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DployError('DPLOY_ERR_IMAGE_CORRUPT', `${where}: manifest.json is not JSON (${(err as Error).message})`);
  }
  const m = value as Partial<ImageManifest>;
  if (m.format !== MANIFEST_FORMAT)
    throw new DployError('DPLOY_ERR_IMAGE_CORRUPT', `${where}: manifest format "${String(m.format)}", expected ${MANIFEST_FORMAT}`);
  if (!Array.isArray(m.filesystems) || !Array.isArray(m.disks))
    throw new DployError('DPLOY_ERR_IMAGE_CORRUPT', `${where}: manifest has no disks or filesystems`);
  for (const fs of m.filesystems)
    if (!fs.archive || !/^[a-z0-9._-]+$/.test(fs.archive.file) || !/^[0-9a-f]{64}$/.test(fs.archive.sha256))
      throw new DployError('DPLOY_ERR_IMAGE_CORRUPT', `${where}: filesystem ${fs.mountpoint} has no valid archive entry`);
  return m as ImageManifest;
}

/** Bytes of all archives: the image's size on the store. */
export function archiveBytes(m: ImageManifest): number {
  return m.filesystems.reduce((sum, fs) => sum + fs.archive.bytes, 0);
}

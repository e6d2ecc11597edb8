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
  /** The disk and partition number it lives on; absent when it is on LVM or md (then `md` or `lv` says where). */
  disk?: string;
  partition?: number;
  /** The md array it is on (/dev/md0), when it sits on one directly. */
  md?: string;
  /** The LVM logical volume it is on, as VG/LV. */
  lv?: string;
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
  md?: string;
  lv?: string;
}

/** Where a block device of the layout lives: a partition, an md array, an LVM logical volume (none of these: unrestorable). */
export type Placement = Pick<FilesystemEntry, 'disk' | 'partition' | 'md' | 'lv'>;

/** An md RAID array under a filesystem, swap or LVM physical volume (`mdadm --detail --export` and its sysfs). */
export interface MdEntry {
  /** The kernel's name on the source (/dev/md0, /dev/md127): the restore makes the same. */
  device: string;
  /** MD_UUID, colon form: the restored system's mdadm.conf and initramfs find the array by it. */
  uuid: string;
  /** The superblock's name (homehost:name). */
  name?: string;
  /** raid0, raid1, raid4, raid5, raid6, raid10. */
  level: string;
  /** Superblock version: 0.90, 1.0, 1.1, 1.2. */
  metadata: string;
  raidDevices: number;
  /** raid0/4/5/6/10: the chunk in bytes; 0 for raid1. */
  chunkBytes: number;
  /** raid5/6/10: /sys/block/mdN/md/layout's name (left-symmetric, n2 …), as mdadm --layout takes it. */
  layout?: string;
  /** Each active member at its role (slot); a slot nobody fills (a degraded array) is absent and restored as "missing". */
  members: Array<{ device: string; role: number; dataOffsetSectors: number; disk?: string; partition?: number }>;
}

/** An LVM volume group under a filesystem or swap: its physical volumes and its metadata as vgcfgbackup wrote it. */
export interface VolumeGroupEntry {
  name: string;
  uuid: string;
  pvs: Array<{ device: string; uuid: string } & Placement>;
  /** `vgcfgbackup` text: every LV with its UUID, segments and extents; the restore hands it to vgcfgrestore. */
  metadata: string;
}

/** A physical NIC of the source (one with a device behind it in /sys/class/net). */
export interface NicEntry {
  name: string;
  /** Lower case, colons. */
  mac: string;
}

/** A file of a Mondo image (an ISO of the set, mindi's kernel or initrd) as it lies in the image directory. */
export interface StoredFile {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * What MondoRescue made (engine mondo, plugin/images/mondo-capture.ts): the filesystems
 * mondoarchive was told to include (the layout probe's entries; their content is in the ISOs,
 * not in archives of dploy's), mindi's PXE kernel and initrd taken from the first ISO with the
 * arguments of its isolinux.cfg, and the command line dploy ran.
 */
export interface MondoEntry {
  filesystems: Omit<FilesystemEntry, 'archive'>[];
  /** The ISO names' prefix (mondoarchive -p), which mindi's `pxe prefix=` names again at restore. */
  prefix: string;
  mindi: { kernel: StoredFile; initrd: StoredFile; args: string[] };
  argv: string[];
}

export interface ImageManifest {
  format: typeof MANIFEST_FORMAT;
  /** Absent: dploy's own tar+zstd capture; mondo: a MondoRescue ISO set (then `filesystems` is empty and `isos`, `mondo` say what is there). */
  engine?: 'mondo';
  isos?: StoredFile[];
  mondo?: MondoEntry;
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
  /** md arrays the archived filesystems, swap or volume groups sit on; absent when none (and in older images). */
  md?: MdEntry[];
  /** LVM volume groups the archived filesystems or swap sit on; absent when none (and in older images). */
  volumeGroups?: VolumeGroupEntry[];
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
  if (m.engine === 'mondo') checkMondo(m, where);
  for (const fs of m.filesystems)
    if (!fs.archive || !/^[a-z0-9._-]+$/.test(fs.archive.file) || !/^[0-9a-f]{64}$/.test(fs.archive.sha256))
      throw new DployError('DPLOY_ERR_IMAGE_CORRUPT', `${where}: filesystem ${fs.mountpoint} has no valid archive entry`);
  return m as ImageManifest;
}

const STORED_NAME = /^[a-z0-9._-]+$/i;

function checkMondo(m: Partial<ImageManifest>, where: string): void {
  const files = m.mondo ? [...(m.isos ?? []), m.mondo.mindi?.kernel, m.mondo.mindi?.initrd] : [];
  if (!m.isos?.length || files.some((f) => !f || !STORED_NAME.test(f.file) || !/^[0-9a-f]{64}$/.test(f.sha256)))
    throw new DployError(
      'DPLOY_ERR_IMAGE_CORRUPT',
      `${where}: a mondo manifest needs its ISOs and mindi's kernel and initrd, each with a valid name and SHA-256`,
    );
}

/** Every file the manifest lists with its size and SHA-256: what verify reads again. */
export function storedFiles(m: ImageManifest): Array<StoredFile> {
  const mindi = m.mondo ? [m.mondo.mindi.kernel, m.mondo.mindi.initrd] : [];
  return [...m.filesystems.map((fs) => fs.archive), ...(m.isos ?? []), ...mindi];
}

/** Bytes of all archives (a Mondo image: its ISOs and mindi's files): the image's size on the store. */
export function archiveBytes(m: ImageManifest): number {
  return storedFiles(m).reduce((sum, f) => sum + f.bytes, 0);
}

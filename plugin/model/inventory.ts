// What dploy knows about a machine's hardware, whatever document it came from
// (lshw XML or JSON today). Absent facts are undefined, never placeholder
// strings: junk vendor values ("To be filled by O.E.M.", all-zero UUIDs) are
// dropped by the parser before they reach this shape.

export type Architecture = 'x86_64' | 'i386' | 'aarch64' | 'armhf' | 'ia64' | 'ppc64' | 'ppc64le' | 's390x' | 'unknown';

export interface SystemInfo {
  vendor?: string;
  product?: string;
  version?: string;
  serial?: string;
  /** SMBIOS UUID, lower case, 8-4-4-4-12. */
  uuid?: string;
  sku?: string;
  chassis?: string;
}

export interface FirmwareInfo {
  vendor?: string;
  version?: string;
  /** As the firmware reports it (lshw gives e.g. "05/23/2018"). */
  date?: string;
}

export interface Cpu {
  socket?: string;
  vendor?: string;
  model?: string;
  cores?: number;
  threads?: number;
  mhz?: number;
  /** Address width in bits (32/64). */
  width?: number;
}

export interface MemoryBank {
  slot?: string;
  sizeBytes: number;
  type?: string;
  mhz?: number;
  vendor?: string;
  serial?: string;
}

export interface StorageController {
  kind: 'ahci' | 'ide' | 'nvme' | 'scsi' | 'raid' | 'virtio' | 'sas' | 'other';
  vendor?: string;
  product?: string;
  driver?: string;
  busInfo?: string;
}

export interface Disk {
  /** Kernel device name, e.g. /dev/sda, /dev/nvme0n1. */
  logicalName?: string;
  sizeBytes?: number;
  vendor?: string;
  model?: string;
  serial?: string;
  media: 'hdd' | 'ssd' | 'nvme' | 'cdrom' | 'unknown';
  removable: boolean;
  busInfo?: string;
}

export interface Nic {
  logicalName?: string;
  /** Permanent MAC, lower case, colon separated. */
  mac: string;
  driver?: string;
  speedMbps?: number;
  link?: boolean;
  busInfo?: string;
  vendor?: string;
  product?: string;
  /** Bonds, bridges, VLANs, tun/tap, veth: never an identity. */
  virtual: boolean;
  /**
   * Another physical NIC in the same document reports this MAC too: lshw gives
   * the current address, and bonding copies the bond's MAC onto its slaves, so
   * for one of them this is not the permanent MAC.
   */
  macShared?: boolean;
}

export interface Inventory {
  /** Which tool and version produced the document, e.g. "lshw B.02.19.2". */
  source: string;
  hostname?: string;
  arch: Architecture;
  system: SystemInfo;
  firmware: FirmwareInfo;
  cpus: Cpu[];
  memoryBytes: number;
  memoryBanks: MemoryBank[];
  storageControllers: StorageController[];
  disks: Disk[];
  nics: Nic[];
}

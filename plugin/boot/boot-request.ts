// What a network-booting machine asked for, once its file name (TFTP) or
// query string (iPXE over HTTP) has been read. Produced by the loaders' readers
// (loaders/), consumed by renderBootConfig.

import type { Architecture } from '../model/inventory.js';
import type { Firmware } from '../model/host.js';

/** The boot loaders dploy answers; each has its file in loaders/ and a line in loaders/index.ts (tsc holds the three together). */
export type BootLoader = 'pxelinux' | 'grub' | 'elilo' | 'ipxe';

export interface BootConfigRequest {
  loader: BootLoader;
  /** Boot NIC, normalised (lower case, colons), when the name carries it. */
  mac?: string;
  /** SMBIOS UUID from DHCP option 97, lower case 8-4-4-4-12. */
  uuid?: string;
  /** Dotted IPv4 address when the name carries all eight hex digits. */
  ip?: string;
  /** Upper-case hex of a shortened address (C0A801): a subnet, never one machine. */
  ipHexPrefix?: string;
  /** The loader's last-resort name (`default`, `grub.cfg`, `elilo.conf`, bare iPXE request). */
  isDefault: boolean;
  /** Directory the name was asked under (the loader's working directory), '' for the root. */
  directory: string;
  /** Set when the request itself tells (elilo's arch suffix, iPXE's query). */
  arch?: Architecture;
  firmware?: Firmware;
  /** The TFTP or HTTP client that asked: an install entry binds its job to it (docs/security.md). */
  clientAddress?: string;
}

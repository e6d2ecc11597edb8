// A machine dploy manages. Identity is SMBIOS UUID, system serial and the
// permanent MACs (shared/DESIGN.md "Data"); the name is what the operator
// calls it and what the installed system will carry.

import type { Architecture } from './inventory.js';

export type Firmware = 'bios' | 'uefi';

/**
 * What a machine is served when it network-boots. `install` and `restore`
 * carry the profile or image they boot into; `discover` boots mindi and posts
 * the inventory; `localboot` hands over to the local disk.
 */
export type BootState =
  | { kind: 'localboot' }
  | { kind: 'discover' }
  | { kind: 'rescue' }
  | { kind: 'install'; profile: string; jobToken?: string }
  | { kind: 'restore'; image: string; jobToken?: string };

export type BootStateKind = BootState['kind'];

export interface Host {
  id: number;
  name: string;
  /** Permanent NIC MACs, lower case, colon separated; the first is the boot NIC when known. */
  macs: string[];
  uuid?: string;
  serial?: string;
  arch?: Architecture;
  firmware?: Firmware;
  bmcAddress?: string;
  bootState: BootState;
  /** Human words for the console, e.g. "installing rocky-9-web since 10:42". */
  status?: string;
  createdAt: Date;
  updatedAt: Date;
}

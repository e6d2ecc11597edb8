// A machine dploy manages. Identity is SMBIOS UUID, system serial and the
// permanent MACs (docs/inventory.md, "Identity"); the name is what the operator
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

/**
 * How dploy knows a host's boot NIC: `seen` in a boot request or in the
 * BOOTIF the discovery agent posted, `manual` from the operator (the first
 * MAC of `hosts add`). Without either, the first MAC is a guess (hostBootNic).
 */
export type BootNicSource = 'seen' | 'manual';

export interface Host {
  id: number;
  name: string;
  /** Permanent NIC MACs, lower case, colon separated, in the order they were learnt. */
  macs: string[];
  /** The NIC the machine network-boots from, when seen or given; see boot-nic.ts. */
  bootNic?: { mac: string; source: BootNicSource };
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

/** A machine added by hand (or adopted from the host tool): what the operator gives. */
export interface NewHost {
  name: string;
  macs: string[];
  uuid?: string;
  serial?: string;
  arch?: Architecture;
  bmcAddress?: string;
  platformRef?: string;
  /** The boot NIC as the operator gave it (one of `macs`). */
  bootMac?: string;
}

// The network interface is chosen and named by MAC, never by ethN order
// (eth0/eth1 swapping between boots is a classic field failure: the kernel
// numbers NICs in driver-probe order). Every physical NIC of the inventory
// gets a name pinned to its MAC:
//  - its inventory name when that is a predictable name (enp1s0, eno1 …:
//    systemd.net-naming-scheme(7), derived from firmware/PCI location),
//  - otherwise nic<N> (its position among the physical NICs): never a name
//    in the kernel's own eth<N> space, where a rename can race the kernel.
// The boot NIC is the one the machine PXE-booted from.

import { DployError } from '../../errors.js';
import type { Inventory } from '../../model/inventory.js';
import { normalizeMac } from '../../model/mac.js';

export interface PinnedNic {
  mac: string;
  name: string;
  boot: boolean;
}

const PREDICTABLE = /^(en|wl|ww|ib|sl)[a-z0-9]{1,13}$/;

export function pinNics(inventory: Inventory | undefined, bootMac: string, hostName: string): PinnedNic[] {
  const boot = normalizeMac(bootMac);
  if (!boot) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${hostName}: the boot NIC's MAC is not known, so the installer cannot be pinned to it`);
  const physical = (inventory?.nics ?? []).filter((n) => !n.virtual);
  const nics = physical.map((n, i) => ({
    mac: n.mac,
    name: n.logicalName && PREDICTABLE.test(n.logicalName) ? n.logicalName : `nic${i}`,
    boot: n.mac === boot,
  }));
  // A machine added by hand may boot from a NIC its inventory does not list.
  if (!nics.some((n) => n.boot)) nics.push({ mac: boot, name: `nic${nics.length}`, boot: true });
  return nics;
}

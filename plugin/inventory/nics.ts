// Network interfaces. lshw takes the MAC from SIOCGIFHWADDR (src/core/network.cc)
// and writes it as the node's <serial>; it never reads the permanent address
// (ETHTOOL_GPERMADDR), so a bonded slave shows the bond's MAC, the same as
// its sibling: duplicates are kept on each NIC and flagged. Interfaces with
// no MAC (drivers not loaded, -sanitize's "[REMOVED]") are not NICs dploy can
// boot or identify and are left out.
// Physical or virtual: lshw's capability `logical` is no guide either way. It
// marks bonds, VLANs, tun and veth as physical, and it gives VMware's vmxnet3
// (and possibly Hyper-V's hv_netvsc, xen-netfront) `logical`, yet such a NIC
// is a VM's only NIC and the one it PXE-boots from. So software interfaces
// are recognised by driver and name; a NIC on a hardware bus (pci@, usb@,
// virtio@ …) or with a paravirtual driver is physical; `logical` decides only
// for what neither tells.

import type { Nic } from '../model/inventory.js';
import { isUsableMac, normalizeMac } from '../model/mac.js';
import { known } from './junk-values.js';
import { findAll, withDefined } from './lshw-node.js';
import type { LshwNode } from './lshw-node.js';
import { linkMbpsOf } from './measures.js';

// Kernel drivers (ethtool's "driver") of software interfaces.
const VIRTUAL_DRIVERS = new Set([
  'bonding',
  'bridge',
  '802.1q vlan support',
  'tun',
  'veth',
  'macvlan',
  'macvtap',
  'ipvlan',
  'vxlan',
  'dummy',
  'team',
  'openvswitch',
  'geneve',
  'wireguard',
  'vrf',
]);
// Interface names the kernel, libvirt and container runtimes give software
// interfaces. VLANs ("p1p3.104") are known by their driver instead: s390
// qeth NICs are named "enccw0.0.8000".
const VIRTUAL_NAME = /^(bond|team|br\d|br-|virbr|vlan|veth|tap|tun|vnet|docker|ovs-|vxlan|dummy|macvtap|cali|flannel|cni)/;
// lshw's bus prefixes for devices on a bus (src/core/*.cc: pci@, usb@, scsi@,
// virtio@, ccw@ on s390, vio@ on POWER, …): any businfo means a device.
const HARDWARE_BUS = /^[a-z0-9]+@/;
// Drivers of paravirtual NICs, whose node may carry no businfo (VMBus and
// Xen buses are not read by lshw).
const PARAVIRTUAL_DRIVERS = new Set(['vmxnet3', 'vmxnet', 'hv_netvsc', 'vif', 'xen-netfront', 'virtio_net', 'ena', 'gve', 'ibmveth']);

/** Software interface (bond, bridge, VLAN, tun/tap, veth …) rather than a NIC on a bus. */
function isVirtual(node: LshwNode, driver: string, name: string): boolean {
  if (VIRTUAL_DRIVERS.has(driver) || VIRTUAL_NAME.test(name)) return true;
  if (HARDWARE_BUS.test(node.businfo ?? '') || PARAVIRTUAL_DRIVERS.has(driver)) return false;
  return node.capabilities.has('logical');
}

export function nics(root: LshwNode): Nic[] {
  const found = findAll(root, (node) => node.class === 'network' || node.capabilities.has('ethernet')).flatMap(({ node }) => {
    const mac = node.serial === undefined ? undefined : normalizeMac(node.serial);
    return mac !== undefined && isUsableMac(mac) ? [nicOf(node, mac)] : [];
  });
  const physicalCount = new Map<string, number>();
  for (const nic of found) if (!nic.virtual) physicalCount.set(nic.mac, (physicalCount.get(nic.mac) ?? 0) + 1);
  for (const nic of found) if ((physicalCount.get(nic.mac) ?? 0) > 1) nic.macShared = true;
  return found;
}

function nicOf(node: LshwNode, mac: string): Nic {
  const driver = node.configuration.get('driver');
  const name = node.logicalNames[0];
  const link = node.configuration.get('link');
  const virtual = isVirtual(node, (driver ?? '').toLowerCase(), name ?? '');
  return withDefined<Nic>({ mac, virtual }, [
    ['logicalName', name],
    ['driver', driver],
    ['speedMbps', linkMbpsOf(node.size)],
    ['link', link === undefined ? undefined : link === 'yes'],
    ['busInfo', node.businfo],
    ['vendor', known(node.vendor)],
    ['product', known(node.product)],
  ]);
}

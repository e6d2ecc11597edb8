// Block devices. lshw's "disk" class mixes whole disks, optical drives,
// card-reader slots, the "medium" child a removable disk repeats itself as,
// and (B.02.19+) several NVMe "namespace" nodes per controller of which only
// one is the block device /dev/nvmeXnY (the others are the /dev/ngXnY
// character device and a hwmon entry). `logicalname` also mixes device names
// with mount points. A disk is kept once, under its kernel block-device name.

import type { Disk } from '../model/inventory.js';
import { known } from './junk-values.js';
import { withDefined } from './lshw-node.js';
import type { LshwNode } from './lshw-node.js';
import { bytesOf } from './measures.js';

// Kernel block devices as old lshw (device-tree, B.02.1x on POWER) wrote them without /dev/.
const BARE_BLOCK_DEVICE = /^(sd[a-z]+|vd[a-z]+|hd[a-z]+|xvd[a-z]+|sr\d+|nvme\d+n\d+|dasd[a-z]+|mmcblk\d+)$/;
// udev symlinks and aliases lshw lists before the kernel name.
const ALIAS = /^\/dev\/(cdrom|cdrw|dvd|dvdrw|scd\d+|disk\/.*)$/;
// NVMe generic character devices (/dev/ng0n1, Linux 5.13+): not block devices.
const CHARACTER_DEVICE = /^\/dev\/ng\d+n\d+$/;

export function disks(root: LshwNode): Disk[] {
  const found = new Map<string, Disk>();
  const visit = (node: LshwNode, ancestors: LshwNode[]): void => {
    // A disk under a disk is the "medium" lshw adds for removable drives: the same device again.
    const isMedium = ancestors.some((a) => a.class === 'disk');
    const name = node.class === 'disk' && !node.disabled && !isMedium ? blockDeviceName(node) : undefined;
    if (name !== undefined && !found.has(name)) found.set(name, diskOf(node, name, ancestors));
    // One path array pushed and popped, not a copy per node: diskOf reads it at once and keeps nothing.
    ancestors.push(node);
    for (const child of node.children) visit(child, ancestors);
    ancestors.pop();
  };
  visit(root, []);
  return [...found.values()];
}

function blockDeviceName(node: LshwNode): string | undefined {
  const names = node.logicalNames
    .map((name) => (BARE_BLOCK_DEVICE.test(name) ? `/dev/${name}` : name))
    .filter((name) => name.startsWith('/dev/') && !CHARACTER_DEVICE.test(name));
  return names.find((name) => !ALIAS.test(name)) ?? names[0];
}

function diskOf(node: LshwNode, logicalName: string, ancestors: LshwNode[]): Disk {
  const media = mediaOf(node, logicalName);
  const onUsb = ancestors.some((a) => (a.businfo ?? '').startsWith('usb@')) || (node.businfo ?? '').startsWith('usb@');
  return withDefined<Disk>({ logicalName, media, removable: node.capabilities.has('removable') || onUsb || media === 'cdrom' }, [
    ['sizeBytes', bytesOf(node.size)],
    ['vendor', known(node.vendor)],
    ['model', known(node.product)],
    ['serial', known(node.serial)],
    ['busInfo', node.businfo],
  ]);
}

const OPTICAL_CAPABILITIES = ['cd-r', 'cd-rw', 'dvd', 'dvd-r', 'dvd-ram', 'audio'];

function mediaOf(node: LshwNode, logicalName: string): Disk['media'] {
  if (/^\/dev\/nvme\d+n\d+$/.test(logicalName)) return 'nvme';
  if (/^\/dev\/sr\d+$/.test(logicalName) || node.id.startsWith('cdrom') || OPTICAL_CAPABILITIES.some((c) => node.capabilities.has(c))) return 'cdrom';
  // lshw reports the spindle speed of SCSI/SAS disks as a capability ("10000rpm", "15000rpm").
  if ([...node.capabilities].some((c) => /^\d+rpm$/.test(c))) return 'hdd';
  if (/\bSSD\b|Solid State/i.test(`${node.product ?? ''} ${node.description ?? ''}`)) return 'ssd';
  return 'unknown';
}

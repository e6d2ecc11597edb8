// Processor sockets. lshw lists one "processor" node per DMI type 4 entry
// (or per device-tree/cpuinfo CPU where there is no DMI); empty sockets come
// back disabled ("CPU [empty]") and some boards report phantom entries
// that lshw could not claim (cpu:2..cpu:14 with nothing but a version).
// SCSI enclosure processors ("SCSI Processor", businfo scsi@…) are not CPUs.

import type { Cpu } from '../model/inventory.js';
import { known } from './junk-values.js';
import { findAll, parseCount, withDefined } from './lshw-node.js';
import type { LshwNode } from './lshw-node.js';
import { mhzOf } from './measures.js';

export function cpuNodes(root: LshwNode): LshwNode[] {
  return findAll(
    root,
    (node) =>
      node.class === 'processor' &&
      node.claimed &&
      !node.disabled &&
      (node.businfo === undefined ? /^cpu(:\d+)?$/.test(node.id) : node.businfo.startsWith('cpu@')),
  ).map(({ node }) => node);
}

export function cpuOf(node: LshwNode): Cpu {
  const cpu: Cpu = {};
  const fields: Array<[keyof Cpu, string | number | undefined]> = [
    ['socket', known(node.slot)],
    ['vendor', known(node.vendor)],
    // Some DMI tables put the family in "product" and the full name in "version".
    ['model', known(node.product) ?? known(node.version)],
    ['cores', parseCount(node.configuration.get('cores'))],
    ['threads', parseCount(node.configuration.get('threads'))],
    // Current frequency (size), else the rated maximum (capacity).
    ['mhz', mhzOf(node.size) ?? mhzOf(node.capacity)],
    ['width', node.width],
  ];
  return withDefined(cpu, fields);
}

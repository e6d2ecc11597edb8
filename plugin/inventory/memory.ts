// Installed memory. lshw's "System Memory" nodes (DMI type 16, one per memory
// array, or /proc/kcore where there is no DMI) sit under the core bus; their
// descriptions are translated ("Mémoire Système", "Systemspeicher"), so they
// are found by position and id, not by text. Banks are DMI type 17; empty
// slots have no size. Some boards leave the array without a size (lshw
// B.02.12 on X9DRi, HP Gen8): then the banks are summed.

import type { MemoryBank } from '../model/inventory.js';
import { known } from './junk-values.js';
import { findAll, withDefined } from './lshw-node.js';
import type { LshwNode } from './lshw-node.js';
import { bytesOf, mhzOf } from './measures.js';

export interface Memory {
  totalBytes: number;
  banks: MemoryBank[];
}

export function memoryOf(root: LshwNode): Memory {
  const arrays = findAll(
    root,
    (node, parent) =>
      node.class === 'memory' &&
      node.claimed &&
      /^memory(:\d+)?$/.test(node.id) &&
      (parent === undefined || parent.class === 'bus' || parent.class === 'system') &&
      !(node.businfo ?? '').startsWith('pci@'),
  ).map(({ node }) => node);
  let totalBytes = 0;
  const banks: MemoryBank[] = [];
  for (const array of arrays) {
    const arrayBanks = findAll(array, (node) => node !== array && node.class === 'memory' && bytesOf(node.size) !== undefined).map(({ node }) => bankOf(node));
    banks.push(...arrayBanks);
    totalBytes += bytesOf(array.size) ?? arrayBanks.reduce((sum, bank) => sum + bank.sizeBytes, 0);
  }
  return { totalBytes, banks };
}

// DMI type 17 memory types as lshw words them inside the description,
// e.g. "DIMM DDR3 Synchronous Registered (Buffered) 1333 MHz (0.8 ns)".
const MEMORY_TYPE = /\b(LPDDR\d*|DDR\d*|FB-DIMM|SDRAM|DRAM|EDO|RDRAM|SRAM)\b/;

function bankOf(node: LshwNode): MemoryBank {
  const bank: MemoryBank = { sizeBytes: bytesOf(node.size)! };
  const type = MEMORY_TYPE.exec(node.description ?? '')?.[1];
  const fields: Array<[keyof MemoryBank, string | number | undefined]> = [
    ['slot', known(node.slot)],
    ['type', type],
    ['mhz', mhzOf(node.clock)],
    ['vendor', known(node.vendor)],
    ['serial', known(node.serial)],
  ];
  return withDefined(bank, fields);
}

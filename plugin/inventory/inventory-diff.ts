// Hardware changes between two inventories of the same machine, for the
// "hardware changed" event logged when a known host posts again. Parts are
// keyed by what survives a reboot: disks by serial (else device name), NICs
// by MAC, DIMMs by slot, CPUs by socket order. Clock speeds and link states
// are left out: they move on every boot and are not hardware changes.

import type { Cpu, Disk, Inventory, MemoryBank, Nic } from '../model/inventory.js';

export interface HardwareChange {
  part: 'system' | 'firmware' | 'cpu' | 'memory' | 'disk' | 'nic';
  change: 'added' | 'removed' | 'changed';
  /** Which part: a disk serial or device name, a MAC, a DIMM slot, "cpu 1", "total". */
  key: string;
  before?: string;
  after?: string;
}

export function diffInventories(before: Inventory, after: Inventory): HardwareChange[] {
  return [
    ...diffValues('system', 'serial', before.system.serial, after.system.serial),
    ...diffValues('system', 'uuid', before.system.uuid, after.system.uuid),
    ...diffValues('firmware', 'version', before.firmware.version, after.firmware.version),
    ...diffParts('cpu', before.cpus, after.cpus, (_cpu, i) => `cpu ${i + 1}`, describeCpu),
    ...diffValues('memory', 'total', bytes(before.memoryBytes), bytes(after.memoryBytes)),
    ...diffParts('memory', before.memoryBanks, after.memoryBanks, (bank, i) => bank.slot ?? `bank ${i + 1}`, describeBank),
    ...diffParts('disk', before.disks, after.disks, (disk, i) => disk.serial ?? disk.logicalName ?? `disk ${i + 1}`, describeDisk),
    ...diffParts('nic', physical(before.nics), physical(after.nics), (nic) => nic.mac, describeNic),
  ];
}

function diffParts<T>(
  part: HardwareChange['part'],
  before: readonly T[],
  after: readonly T[],
  keyOf: (item: T, index: number) => string,
  describe: (item: T) => string,
): HardwareChange[] {
  const old = new Map(before.map((item, i) => [keyOf(item, i), describe(item)]));
  const now = new Map(after.map((item, i) => [keyOf(item, i), describe(item)]));
  const changes: HardwareChange[] = [];
  for (const [key, text] of now) {
    const previous = old.get(key);
    if (previous === undefined) changes.push({ part, change: 'added', key, after: text });
    else if (previous !== text) changes.push({ part, change: 'changed', key, before: previous, after: text });
  }
  for (const [key, text] of old) if (!now.has(key)) changes.push({ part, change: 'removed', key, before: text });
  return changes;
}

function diffValues(part: HardwareChange['part'], key: string, before: string | undefined, after: string | undefined): HardwareChange[] {
  if (before === after) return [];
  const change: HardwareChange = { part, change: before === undefined ? 'added' : after === undefined ? 'removed' : 'changed', key };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return [change];
}

const physical = (nics: readonly Nic[]) => nics.filter((nic) => !nic.virtual);
const bytes = (n: number) => (n > 0 ? `${n} bytes` : undefined);
const words = (...parts: Array<string | number | undefined>) => parts.filter((p) => p !== undefined && p !== '').join(' ');

const describeCpu = (cpu: Cpu) => words(cpu.vendor, cpu.model, cpu.cores && `${cpu.cores} cores`);
const describeBank = (bank: MemoryBank) => words(`${bank.sizeBytes} bytes`, bank.type, bank.vendor, bank.serial);
// Device and interface names are left out: sda/sdb and eth0/eno1 change with the kernel, not the hardware.
const describeDisk = (disk: Disk) => words(disk.model, disk.sizeBytes && `${disk.sizeBytes} bytes`);
const describeNic = (nic: Nic) => words(nic.vendor, nic.product);

// The qemu machines of test/fixtures/lshw/make-qemu-fixtures.sh, as its
// command lines define them: what lshw must have found in each document of
// test/fixtures/lshw/qemu/. Every value comes from the machine's definition
// (-smbios serial and UUID, each NIC's mac=, disk image sizes, -m, -smp
// sockets), none from the documents, so a document that disagrees is a
// parser bug or a script bug, never the expected answer.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InventoryFormat } from '../../../plugin/inventory/index.js';
import { projectLshwDir } from './lshw-documents.js';

export const qemuLshwDir = path.join(projectLshwDir, 'qemu');

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface QemuMachine {
  /** File stem in test/fixtures/lshw/qemu (.xml, .json, .short.txt). */
  name: string;
  /** -smbios type=1 serial; null where it is a placeholder ("0123456789") dploy must drop. */
  serial: string | null;
  uuid: string;
  vendor: string;
  product: string;
  /** -smp sockets: lshw lists one processor per socket (DMI type 4). */
  cpuCount: number;
  memoryBytes: number;
  /** SMBIOS type 17 banks: qemu cuts -m into 16 GiB DIMMs named "DIMM n". */
  dimms: Array<{ slot: string; sizeBytes: number }>;
  /** Block devices: the kernel's name (a glob where probe order decides the letter) and the image size; a CD-ROM has none. */
  disks: Array<{ name: string; sizeBytes: number | null }>;
  /** Interfaces with a MAC in lshw's order (PCI slot order). */
  nics: Array<{ mac: string; virtual: boolean }>;
  /** The paravirtual NIC's driver, where the machine has one. */
  paravirtual?: { mac: string; driver: string };
}

const uuid = (suffix: string) => `6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f5a${suffix}`;
const mac = (machine: number, nic: number) => `52:54:00:d5:0${machine}:0${nic}`;
const physical = (address: string) => ({ mac: address, virtual: false });

export const QEMU_MACHINES: readonly QemuMachine[] = [
  {
    name: 'pc-seabios',
    serial: 'DPLOY-QEMU-0001',
    uuid: uuid('01'),
    vendor: 'dploy-fixtures',
    product: 'pc-seabios',
    cpuCount: 1,
    memoryBytes: 512 * MiB,
    dimms: [{ slot: 'DIMM 0', sizeBytes: 512 * MiB }],
    disks: [
      { name: '/dev/sda', sizeBytes: 1 * GiB },
      { name: '/dev/sr0', sizeBytes: null },
      { name: '/dev/vda', sizeBytes: 2 * GiB },
    ],
    nics: [physical(mac(1, 1)), physical(mac(1, 2))],
  },
  {
    name: 'q35-ovmf',
    serial: 'DPLOY-QEMU-0002',
    uuid: uuid('02'),
    vendor: 'dploy-fixtures',
    product: 'q35-ovmf',
    cpuCount: 2,
    memoryBytes: 1 * GiB,
    dimms: [{ slot: 'DIMM 0', sizeBytes: 1 * GiB }],
    disks: [
      { name: '/dev/sd?', sizeBytes: 1 * GiB },
      { name: '/dev/nvme0n1', sizeBytes: 3 * GiB },
      { name: '/dev/sd?', sizeBytes: 4 * GiB },
    ],
    // Slots 4, 5, 6: the firmware's NICs 3, 2, 1 (bootindex).
    nics: [physical(mac(2, 3)), physical(mac(2, 2)), physical(mac(2, 1))],
    paravirtual: { mac: mac(2, 3), driver: 'virtio_net' },
  },
  {
    name: 'pc-vmxnet3',
    serial: null,
    uuid: uuid('03'),
    vendor: 'dploy-fixtures',
    product: 'pc-vmxnet3',
    cpuCount: 1,
    memoryBytes: 384 * MiB,
    dimms: [{ slot: 'DIMM 0', sizeBytes: 384 * MiB }],
    // A -device scsi-hd (or ide-hd) drops qemu's default CD-ROM.
    disks: [{ name: '/dev/sda', sizeBytes: 2 * GiB }],
    nics: [physical('00:50:56:d5:03:01')],
    paravirtual: { mac: '00:50:56:d5:03:01', driver: 'vmxnet3' },
  },
  {
    name: 'q35-ovmf-bond-vlan',
    serial: 'DPLOY-QEMU-0004',
    uuid: uuid('04'),
    vendor: 'dploy-fixtures',
    product: 'q35-ovmf-bond-vlan',
    cpuCount: 2,
    memoryBytes: 768 * MiB,
    dimms: [{ slot: 'DIMM 0', sizeBytes: 768 * MiB }],
    disks: [{ name: '/dev/sda', sizeBytes: 1 * GiB }],
    // bond0 takes its first slave's MAC and sets it on the second (lshw reads the current address, not the
    // permanent one). lshw 02.19 lists no software interface: bond0 and the VLAN are not in the document.
    nics: [physical(mac(4, 1)), physical(mac(4, 1)), physical(mac(4, 3))],
  },
  {
    name: 'q35-seabios-before',
    serial: null,
    uuid: uuid('05'),
    vendor: 'dploy-fixtures',
    product: 'q35-seabios',
    cpuCount: 1,
    memoryBytes: 17 * GiB,
    dimms: [
      { slot: 'DIMM 0', sizeBytes: 16 * GiB },
      { slot: 'DIMM 1', sizeBytes: 1 * GiB },
    ],
    // No -device ide-hd or scsi-hd: qemu adds its default CD-ROM (on the q35's AHCI).
    disks: [
      { name: '/dev/sr0', sizeBytes: null },
      { name: '/dev/vda', sizeBytes: 2 * GiB },
    ],
    nics: [physical(mac(5, 1))],
  },
  {
    name: 'q35-seabios-after',
    serial: null,
    uuid: uuid('05'),
    vendor: 'dploy-fixtures',
    product: 'q35-seabios',
    cpuCount: 1,
    memoryBytes: 16 * GiB,
    dimms: [{ slot: 'DIMM 0', sizeBytes: 16 * GiB }],
    disks: [
      { name: '/dev/sr0', sizeBytes: null },
      { name: '/dev/vda', sizeBytes: 4 * GiB },
    ],
    nics: [physical(mac(5, 1))],
  },
];

export function qemuMachine(name: string): QemuMachine {
  const machine = QEMU_MACHINES.find((m) => m.name === name);
  if (!machine) throw new Error(`no qemu machine ${name} in make-qemu-fixtures.sh`);
  return machine;
}

/** A machine's lshw output: `lshw -xml`, `lshw -json`, or the `lshw -short` text. */
export function qemuDocument(name: string, format: InventoryFormat | 'short'): string {
  return readFileSync(path.join(qemuLshwDir, `${name}.${format === 'short' ? 'short.txt' : format}`), 'utf8');
}

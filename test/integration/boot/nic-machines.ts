// The machines of the boot NIC test, from real lshw documents, each with 3 or
// 2 NICs whose firmware (PCI boot) order is not the order lshw lists them in:
//  - the qemu q35/OVMF machine of make-qemu-fixtures.sh: bootindex makes the
//    e1000 in slot 6 the firmware's NIC 1, the e1000e in slot 5 NIC 2 and the
//    virtio-net in slot 4 NIC 3; lshw walks the bus by slot, NIC 3 first.
//  - with the shared fixtures: a Dell PowerEdge C6105 (tumblr/collins
//    lshw-10g.xml) whose lshw order is not PCI order either: lshw lists the
//    ixgbe at 03:00.0 first, then the two igb ports at 02:00.0 and 02:00.1. In
//    PCI order (the firmware's) NIC 1 = 02:00.0, NIC 2 = 02:00.1, NIC 3 = 03:00.0;
//    and an HP rx1620 (beaker-system-scan) ia64 with 2 NICs, for RHEL 5's elilo.
// Each copy gets its own MACs (4th octet), serial and UUID, so that identity
// matching sees distinct machines, as the e2e test does with its fixture.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedLshwDir } from '../../unit/inventory/lshw-documents.js';
import { qemuLshwDir, qemuMachine } from '../../unit/inventory/qemu-machines.js';

export interface NicMachine {
  /** The lshw document, made this copy's own. */
  xml: string;
  /** The NICs in PCI order: nics[0] is NIC 1. */
  nics: string[];
}

interface Spec {
  file: string;
  pciOrder: string[];
  serial: string;
  uuid: string;
}

const QEMU_Q35 = qemuMachine('q35-ovmf');
const QEMU: Spec = {
  file: join(qemuLshwDir, 'q35-ovmf.xml'),
  pciOrder: [...QEMU_Q35.nics].reverse().map((nic) => nic.mac),
  serial: QEMU_Q35.serial!,
  uuid: QEMU_Q35.uuid,
};
const DELL: Spec = {
  file: join(sharedLshwDir, 'tumblr_collins__test_resources_lshw-10g.xml'),
  pciOrder: ['e8:9a:8f:23:15:5a', 'e8:9a:8f:23:15:5b', '90:e2:ba:00:91:28'],
  serial: 'FZ1NXQ1',
  uuid: '44454C4C-5A00-1031-804E-C6C04F585131',
};
const RX1620: Spec = {
  file: join(sharedLshwDir, 'beaker-project_beaker-system-scan__tests_samples_hp-rx1620_input.xml'),
  pciOrder: ['00:11:85:5f:17:a0', '00:11:85:5f:17:a1'],
  serial: 'USE45235AD',
  uuid: '2E4A3F3C-8CEE-D911-A17E-663D6979112D',
};

function copy(spec: Spec, index: number): NicMachine {
  const octet = (0x40 + index).toString(16);
  let xml = readFileSync(spec.file, 'utf8');
  const nics = spec.pciOrder.map((mac) =>
    mac
      .split(':')
      .map((part, i) => (i === 3 ? octet : part))
      .join(':'),
  );
  spec.pciOrder.forEach((mac, i) => (xml = xml.split(mac).join(nics[i]!)));
  xml = xml
    .split(spec.serial)
    .join(`${spec.serial}-${index}`)
    .split(spec.uuid)
    .join(`${spec.uuid.slice(0, -2)}${octet}`);
  return { xml, nics };
}

export const threeNicMachine = (index: number): NicMachine => copy(QEMU, index);
/** Needs the shared fixtures. */
export const dellMachine = (index: number): NicMachine => copy(DELL, index);
/** Needs the shared fixtures. */
export const ia64Machine = (index: number): NicMachine => copy(RX1620, index);

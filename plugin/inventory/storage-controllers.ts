// Storage controllers: the PCI functions lshw puts in class "storage"
// (SCSI hosts without a bus address and USB mass-storage bridges are left
// out: they are views of a controller or of a removable device). The kind
// comes from the kernel driver first, because descriptions are translated
// and Intel's "RAID mode" SATA runs plain ahci.

import type { StorageController } from '../model/inventory.js';
import { known } from './junk-values.js';
import { findAll, withDefined } from './lshw-node.js';
import type { LshwNode } from './lshw-node.js';

type Kind = StorageController['kind'];

const BY_DRIVER: Record<string, Kind> = {
  ahci: 'ahci',
  nvme: 'nvme',
  hpsa: 'raid',
  cciss: 'raid',
  megaraid_sas: 'raid',
  megaraid: 'raid',
  aacraid: 'raid',
  smartpqi: 'raid',
  arcmsr: 'raid',
  '3w-9xxx': 'raid',
  '3w-sas': 'raid',
  mpt3sas: 'sas',
  mpt2sas: 'sas',
  mptsas: 'sas',
  isci: 'sas',
  pm80xx: 'sas',
  mvsas: 'sas',
  'virtio-pci': 'virtio',
  virtio_blk: 'virtio',
  virtio_scsi: 'virtio',
  ata_piix: 'ide',
  ata_generic: 'ide',
  mptspi: 'scsi',
  aic7xxx: 'scsi',
  aic79xx: 'scsi',
  sym53c8xx: 'scsi',
};

const BY_CAPABILITY: Array<[string, Kind]> = [
  ['nvme', 'nvme'],
  ['ahci_1.0', 'ahci'],
  ['raid', 'raid'],
  ['scsi', 'scsi'],
];

// English PCI class names (pci.ids), used only when driver and capabilities say nothing.
const BY_DESCRIPTION: Array<[RegExp, Kind]> = [
  [/NVMe|Non-Volatile memory/i, 'nvme'],
  [/RAID/i, 'raid'],
  [/Serial Attached SCSI/i, 'sas'],
  [/SATA/i, 'ahci'],
  [/IDE/i, 'ide'],
  [/SCSI/i, 'scsi'],
];

export function storageControllers(root: LshwNode): StorageController[] {
  return findAll(root, (node) => node.class === 'storage' && (node.businfo ?? '').startsWith('pci@')).map(({ node }) =>
    withDefined<StorageController>({ kind: kindOf(node) }, [
      ['vendor', known(node.vendor)],
      ['product', known(node.product)],
      ['driver', node.configuration.get('driver')],
      ['busInfo', node.businfo],
    ]),
  );
}

function kindOf(node: LshwNode): Kind {
  const driver = node.configuration.get('driver');
  if (driver !== undefined && BY_DRIVER[driver]) return BY_DRIVER[driver]!;
  // pata_* are IDE; sata_* (sata_nv, sata_svw …) are pre-AHCI SATA chips with no kind of their own.
  if (driver?.startsWith('pata_')) return 'ide';
  if (driver?.startsWith('sata_')) return 'other';
  if (/virtio/i.test(node.product ?? '')) return 'virtio';
  for (const [capability, kind] of BY_CAPABILITY) if (node.capabilities.has(capability)) return kind;
  const text = `${node.description ?? ''} ${node.product ?? ''}`;
  for (const [pattern, kind] of BY_DESCRIPTION) if (pattern.test(text)) return kind;
  return 'other';
}

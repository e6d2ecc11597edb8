// The machine itself (lshw's root node, DMI type 1 and chassis type 3) and
// its firmware (lshw's "firmware" node, DMI type 0 or the device tree).

import type { FirmwareInfo, SystemInfo } from '../model/inventory.js';
import { known } from './junk-values.js';
import { findAll, withDefined } from './lshw-node.js';
import type { LshwNode } from './lshw-node.js';
import { normalizeSmbiosUuid, smbiosVersionOf } from './smbios-uuid.js';

/** `lshwVersion` from the XML header tells how lshw printed the UUID (see smbios-uuid.ts). */
export function systemInfo(root: LshwNode, lshwVersion?: string): SystemInfo {
  const info: SystemInfo = {};
  const fields: Array<[keyof SystemInfo, string | undefined]> = [
    ['vendor', known(root.vendor)],
    ['product', known(productName(root))],
    ['version', known(root.version)],
    ['serial', known(root.serial)],
    ['uuid', normalizeSmbiosUuid(root.configuration.get('uuid'), smbiosVersionOf(root.capabilities), lshwVersion)],
    ['sku', known(root.configuration.get('sku'))],
    ['chassis', known(root.configuration.get('chassis'))],
  ];
  return withDefined(info, fields);
}

// lshw prints the SMBIOS product with the SKU appended ("PowerEdge R640
// (SKU=NotProvided)", lshw src/core/dmi.cc); dmidecode, which OCS's agent reads,
// gives the product alone. The product is what OCS's duplicate merge compares
// (bios.SMODEL), so dploy keeps lshw's two parts apart, the SKU as `sku`.
function productName(root: LshwNode): string | undefined {
  const product = root.product;
  const sku = root.configuration.get('sku');
  if (product === undefined || !sku) return product;
  const suffix = ` (${sku})`;
  return product.endsWith(suffix) && product.length > suffix.length ? product.slice(0, -suffix.length) : product;
}

export function firmwareInfo(root: LshwNode): FirmwareInfo {
  const node = findAll(root, (n) => n.class === 'memory' && n.id === 'firmware')[0]?.node;
  const info: FirmwareInfo = {};
  if (!node) return info;
  // Device-tree machines (POWER, ARM) name the firmware level only as the product, e.g. "IBM,AL710_119".
  return withDefined(info, [
    ['vendor', known(node.vendor)],
    ['version', known(node.version) ?? known(node.product)],
    ['date', known(node.date)],
  ]);
}

// lshw names the root node after the hostname; "computer" is its fallback
// when there is none (and what -sanitize writes).
const NO_HOSTNAME = new Set(['computer', 'localhost', 'localhost.localdomain', '(none)', '_none_']);

export function hostnameOf(root: LshwNode): string | undefined {
  const id = root.id.toLowerCase();
  return id === '' || NO_HOSTNAME.has(id) || known(root.id) === undefined ? undefined : root.id;
}

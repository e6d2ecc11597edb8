// lshw inventories (XML or JSON, as posted by the discovery agent) into
// dploy's Inventory model. Pure functions: no I/O, no clock.

import { DployError } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import { architectureOf } from './arch.js';
import { cpuNodes, cpuOf } from './cpus.js';
import { disks } from './disks.js';
import { documentText } from './document.js';
import type { InventoryFormat } from './document.js';
import type { LshwNode } from './lshw-node.js';
import { memoryOf } from './memory.js';
import { nics } from './nics.js';
import { readLshwJson } from './read-json.js';
import { lshwXmlHeader, readLshwXml } from './read-xml.js';
import { storageControllers } from './storage-controllers.js';
import { firmwareInfo, hostnameOf, systemInfo } from './system.js';

export type { InventoryFormat } from './document.js';
export { MAX_DOCUMENT_BYTES } from './document.js';
export { diffInventories } from './inventory-diff.js';
export type { HardwareChange } from './inventory-diff.js';
export { DEFAULT_MATCH_POLICY, identityOf, matchIdentity } from './identity.js';
export type { Identity, IdentityCriterion, IdentityMatch, KnownHost } from './identity.js';

/**
 * Parses an inventory a machine posted and checks it can identify the
 * machine: at least one physical NIC with a usable MAC (the key PXE knows).
 */
export function parseInventory(body: Buffer | string, format: InventoryFormat): Inventory {
  const inventory = readLshwInventory(body, format);
  if (!inventory.nics.some((nic) => !nic.virtual)) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      'the inventory lists no physical network interface with a usable MAC address, so dploy cannot tie it to the machine that network-boots; run lshw as root with the NIC drivers loaded and without -sanitize (which replaces MACs with "[REMOVED]")',
    );
  }
  return inventory;
}

/** Parses an lshw document into an Inventory without requiring a MAC (re-parsing stored documents, tests). */
export function readLshwInventory(body: Buffer | string, format: InventoryFormat): Inventory {
  const text = documentText(body, format);
  const header = format === 'xml' ? lshwXmlHeader(text) : {};
  const root = systemRoot(format === 'xml' ? readLshwXml(text) : readLshwJson(text));
  const cpus = cpuNodes(root);
  const memory = memoryOf(root);
  const inventory: Inventory = {
    source: format === 'json' ? 'lshw (JSON)' : header.version ? `lshw ${header.version}` : 'lshw',
    arch: architectureOf(root, cpus, header.machine),
    system: systemInfo(root, header.version),
    firmware: firmwareInfo(root),
    cpus: cpus.map(cpuOf),
    memoryBytes: memory.totalBytes,
    memoryBanks: memory.banks,
    storageControllers: storageControllers(root),
    disks: disks(root),
    nics: nics(root),
  };
  const hostname = hostnameOf(root);
  if (hostname !== undefined) inventory.hostname = hostname;
  return inventory;
}

// A whole-machine lshw run has one root of class "system"; `lshw -class …`
// lists only the chosen nodes and lacks the identity dploy needs. Extra roots
// (list-mode output) hang under the system node so nothing is lost.
function systemRoot(roots: LshwNode[]): LshwNode {
  const root = roots.find((node) => node.class === 'system');
  if (!root) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      `the lshw document has no "system" node at its root (found ${roots.map((r) => `"${r.class}"`).join(', ')}); run plain "lshw -xml", without -class or -C`,
    );
  }
  return roots.length === 1 ? root : { ...root, children: [...root.children, ...roots.filter((r) => r !== root)] };
}

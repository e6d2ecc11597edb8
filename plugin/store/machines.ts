// Writes a discovered machine into dploy's tables: finds it by identity,
// creates or updates the host and its MACs, and keeps the raw document
// (gzip-compressed) for audit and re-parsing. Runs inside the caller's
// transaction so a platform can add its own rows to the same unit of work.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import type { Host } from '../model/host.js';
import { hostNameProblem } from '../model/host-name.js';
import { diffInventories, identityOf, type HardwareChange, type KnownHost } from '../inventory/index.js';
import type { RawDocument, RecordedMachine } from '../platforms/platform.js';
import type { Dialect } from './dialect.js';
import { getHost, insertHost } from './hosts.js';
import type { HostMacRow, HostRow } from './host-rows.js';
import { matchHost } from './host-identity.js';
import { latestInventory } from './inventories.js';

export async function recordMachine(tx: EntityManager, _dialect: Dialect, inventory: Inventory, document: RawDocument, now = new Date()): Promise<RecordedMachine> {
  const identity = identityOf(inventory);
  if (identity.macs.length === 0) throw new DployError('DPLOY_ERR_INVENTORY_INVALID', 'the inventory lists no physical NIC with a MAC address, so the machine could not be identified');
  const match = await matchHost(tx, identity);
  const sha256 = createHash('sha256').update(document.body).digest('hex');
  const facts = { uuid: inventory.system.uuid ?? null, serial: inventory.system.serial ?? null, arch: inventory.arch === 'unknown' ? null : inventory.arch };
  let hostId: number;
  let created: Host | undefined;
  const changes: string[] = [];
  if (match.kind === 'none') {
    created = await insertHost(tx, await freeName(tx, inventory, identity.macs[0]!), [...identity.macs], {
      ...(facts.uuid ? { uuid: facts.uuid } : {}), ...(facts.serial ? { serial: facts.serial } : {}), ...(facts.arch ? { arch: facts.arch } : {}),
    }, now);
    hostId = created.id;
  } else {
    hostId = match.hostId;
    changes.push(...(await hardwareChanges(tx, hostId, inventory, sha256)));
    await addNewMacs(tx, hostId, match.known, identity.macs);
    await tx.getRepository<HostRow>('Host').update({ id: hostId }, { ...facts, updated_at: now });
  }
  await tx.getRepository('InventoryDocument').createQueryBuilder().insert().values({
    host_id: hostId, received_at: now, format: document.format, source: inventory.source.slice(0, 64),
    sha256, size_bytes: document.body.length, document: gzipSync(document.body),
  }).updateEntity(false).execute();
  return { host: created ?? (await getHost(tx, hostId)), created: created !== undefined, changes };
}

/** The machine's own hostname when it is valid and free, else one derived from its first MAC. */
async function freeName(tx: EntityManager, inventory: Inventory, mac: string): Promise<string> {
  const own = inventory.hostname?.toLowerCase();
  if (own && !hostNameProblem(own) && !(await tx.getRepository<HostRow>('Host').findOne({ select: { id: true }, where: { name: own } }))) return own;
  return `host-${mac.replace(/:/g, '')}`;
}

/**
 * NICs seen for the first time on a known machine. Every host owning one of
 * the inventory's MACs was a match candidate, and a match means no other host
 * owns them, so the matched host's own MACs are all there is to compare with.
 */
async function addNewMacs(tx: EntityManager, hostId: number, known: KnownHost, macs: readonly string[]): Promise<void> {
  const fresh = macs.filter((mac) => !known.macs.includes(mac));
  if (fresh.length === 0) return;
  await tx.getRepository<HostMacRow>('HostMac').createQueryBuilder().insert()
    .values(fresh.map((mac, i) => ({ mac, host_id: hostId, position: known.macs.length + i, interface: null }))).updateEntity(false).execute();
}

/** What changed since the last document; the same bytes again (the usual re-post) need no re-parse. */
async function hardwareChanges(tx: EntityManager, hostId: number, inventory: Inventory, sha256: string): Promise<string[]> {
  const last = await tx.getRepository<{ id: number; host_id: number; sha256: string }>('InventoryDocument').findOne({ select: { id: true, sha256: true }, where: { host_id: hostId }, order: { id: 'DESC' } });
  if (!last || last.sha256 === sha256) return [];
  const previous = await latestInventory(tx, hostId).catch(() => undefined);
  return previous ? diffInventories(previous.inventory, inventory).map(describeChange) : [];
}

function describeChange(c: HardwareChange): string {
  const values = c.change === 'changed' ? ` (${c.before ?? '?'} -> ${c.after ?? '?'})` : c.after ?? c.before ? ` (${c.after ?? c.before})` : '';
  return `${c.part} ${c.key} ${c.change}${values}`;
}

// Writes a discovered machine into dploy's tables: finds it by identity,
// creates or updates the host and its MACs, and keeps the raw document
// (gzip-compressed) for audit and re-parsing. Runs inside the caller's
// transaction so a platform can add its own rows to the same unit of work.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { DataSource, EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import type { Host } from '../model/host.js';
import { hostNameProblem } from '../model/host-name.js';
import { diffInventories, identityOf, type HardwareChange } from '../inventory/index.js';
import type { RawDocument, RecordedMachine } from '../platforms/platform.js';
import type { Dialect } from './dialect.js';
import { insertDiscovered, updateDiscovered, type InventoryRow, type WriteOptions } from './discovery-writes.js';
import { hostFromRow, type HostMacRow } from './host-rows.js';
import { matchHost, type CandidateHost } from './host-identity.js';
import { latestInventory } from './inventories.js';

/**
 * MariaDB, standalone: the probe reads outside a transaction (a consistent
 * read takes no lock inside one either) and the writes carry their own
 * START TRANSACTION … COMMIT in one batch. A failed statement stops the batch
 * inside its transaction, so ROLLBACK goes on the same connection before it
 * returns to the pool.
 */
export async function recordMachineInOwnBatch(db: DataSource, inventory: Inventory, document: RawDocument): Promise<RecordedMachine> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    return await recordMachine(runner.manager, 'mysql', inventory, document, new Date(), { ownTransaction: true });
  } catch (err) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}

export async function recordMachine(tx: EntityManager, dialect: Dialect, inventory: Inventory, document: RawDocument, now = new Date(), writes: WriteOptions = {}): Promise<RecordedMachine> {
  const identity = identityOf(inventory);
  if (identity.macs.length === 0) throw new DployError('DPLOY_ERR_INVENTORY_INVALID', 'the inventory lists no physical NIC with a MAC address, so the machine could not be identified');
  const ownName = inventory.hostname?.toLowerCase();
  const probeName = ownName && !hostNameProblem(ownName) ? ownName : undefined;
  const match = await matchHost(tx, identity, probeName ? { probeName } : {});
  const sha256 = createHash('sha256').update(document.body).digest('hex');
  const facts = { uuid: inventory.system.uuid ?? null, serial: inventory.system.serial ?? null, arch: inventory.arch === 'unknown' ? null : inventory.arch };
  const stored: InventoryRow = {
    received_at: now, format: document.format, source: inventory.source.slice(0, 64),
    sha256, size_bytes: document.body.length, document: document.gzip ?? gzipSync(document.body),
  };
  let host: Host;
  let created = false;
  let activeJob = false;
  const changes: string[] = [];
  if (match.kind === 'none') {
    // The machine's own hostname when it is valid and free, else one derived from its first MAC.
    const name = probeName && !match.nameTaken ? probeName : `host-${identity.macs[0]!.replace(/:/g, '')}`;
    host = await insertDiscovered(tx, dialect, name, [...identity.macs], facts, stored, writes);
    created = true;
  } else {
    const { known } = match;
    // The same bytes again (the usual re-post) need no re-parse of the previous document.
    if (known.lastSha256 !== undefined && known.lastSha256 !== sha256) changes.push(...(await hardwareChanges(tx, known.id, inventory)));
    const fresh = newMacs(known, identity.macs);
    await updateDiscovered(tx, dialect, known.id, facts, fresh, stored, writes);
    host = hostFromRow({ ...known.row, ...facts, updated_at: now }, [...known.macRows, ...fresh]);
    activeJob = known.activeJob;
  }
  return { host, created, changes, activeJob };
}

/**
 * NICs seen for the first time on a known machine. Every host owning one of
 * the inventory's MACs was a match candidate, and a match means no other host
 * owns them, so the matched host's own MACs are all there is to compare with.
 */
function newMacs(known: CandidateHost, macs: readonly string[]): HostMacRow[] {
  return macs.filter((mac) => !known.macs.includes(mac))
    .map((mac, i): HostMacRow => ({ mac, host_id: known.id, position: known.macs.length + i, interface: null }));
}

/** What changed since the last document, which differs from this one. */
async function hardwareChanges(tx: EntityManager, hostId: number, inventory: Inventory): Promise<string[]> {
  const previous = await latestInventory(tx, hostId).catch(() => undefined);
  return previous ? diffInventories(previous.inventory, inventory).map(describeChange) : [];
}

function describeChange(c: HardwareChange): string {
  const values = c.change === 'changed' ? ` (${c.before ?? '?'} -> ${c.after ?? '?'})` : c.after ?? c.before ? ` (${c.after ?? c.before})` : '';
  return `${c.part} ${c.key} ${c.change}${values}`;
}

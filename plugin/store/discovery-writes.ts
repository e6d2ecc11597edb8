// The writes of one discovery, after identity matching decided between a new
// host and a known one. On MariaDB they go as one multi-statement batch (the
// new host's id carried in a session variable): a discovery storm is bound by
// per-statement round trips there (docs/benchmarks.md, ingestion). PostgreSQL
// and SQLite take the same rows statement by statement.

import type { EntityManager } from 'typeorm';
import type { Host } from '../model/host.js';
import type { Architecture } from '../model/inventory.js';
import type { Dialect } from './dialect.js';
import { insertHost } from './hosts.js';
import type { HostMacRow, HostRow } from './host-rows.js';
import { hostFromRow } from './host-rows.js';
import { SqlBatch } from './sql-batch.js';

export interface InventoryRow {
  received_at: Date;
  format: string;
  source: string;
  sha256: string;
  size_bytes: number;
  /** gzip-compressed document */
  document: Buffer;
}

export interface HostFacts {
  uuid: string | null;
  serial: string | null;
  arch: Architecture | null;
}

export interface WriteOptions {
  /**
   * MariaDB: the batch opens and commits its own transaction (the caller ran
   * the probe outside one and sends ROLLBACK if the batch fails): two round
   * trips per discovery instead of four.
   */
  ownTransaction?: boolean;
}

function runBatch(batch: SqlBatch, tx: EntityManager, options: WriteOptions): Promise<unknown[]> {
  return options.ownTransaction ? batch.runAsTransaction(tx) : batch.run(tx);
}

export async function insertDiscovered(tx: EntityManager, dialect: Dialect, name: string, macs: string[], facts: HostFacts, inventory: InventoryRow, options: WriteOptions = {}): Promise<Host> {
  const now = inventory.received_at;
  if (dialect !== 'mysql') {
    const host = await insertHost(tx, name, macs, {
      ...(facts.uuid ? { uuid: facts.uuid } : {}), ...(facts.serial ? { serial: facts.serial } : {}), ...(facts.arch ? { arch: facts.arch } : {}),
    }, now);
    await insertInventory(tx, host.id, inventory);
    return host;
  }
  const row: Omit<HostRow, 'id'> = {
    name, ...facts, firmware: null, bmc_address: null, boot_state: 'localboot', boot_profile: null, boot_image: null,
    task: null, task_profile: null, task_set_at: null, status: null, platform_ref: null, created_at: now, updated_at: now,
  };
  const batch = new SqlBatch()
    .insert('dploy_hosts', row as Record<string, string | Date | null>)
    .add('SET @dploy_host = LAST_INSERT_ID()')
    .insertMany('dploy_host_macs', macs.map((mac, position) => ({ mac, position, interface: null })), { host_id: '@dploy_host' })
    .insert('dploy_inventories', { ...inventory }, { host_id: '@dploy_host' })
    .add('SELECT @dploy_host AS id');
  const results = await runBatch(batch, tx, options);
  const id = Number((results.at(-1) as Array<{ id: number | string }>)[0]!.id);
  return hostFromRow({ ...row, id }, macs.map((mac, position) => ({ mac, host_id: id, position, interface: null })));
}

export async function updateDiscovered(tx: EntityManager, dialect: Dialect, hostId: number, facts: HostFacts, freshMacs: HostMacRow[], inventory: InventoryRow, options: WriteOptions = {}): Promise<void> {
  const now = inventory.received_at;
  if (dialect !== 'mysql') {
    if (freshMacs.length > 0) await tx.getRepository<HostMacRow>('HostMac').createQueryBuilder().insert().values(freshMacs).updateEntity(false).execute();
    await tx.getRepository<HostRow>('Host').update({ id: hostId }, { ...facts, updated_at: now });
    await insertInventory(tx, hostId, inventory);
    return;
  }
  const batch = new SqlBatch()
    .insertMany('dploy_host_macs', freshMacs.map(({ mac, host_id, position, interface: nic }) => ({ mac, host_id, position, interface: nic })), {})
    .add('UPDATE dploy_hosts SET uuid = ?, serial = ?, arch = ?, updated_at = ? WHERE id = ?', [facts.uuid, facts.serial, facts.arch, now, hostId])
    .insert('dploy_inventories', { host_id: hostId, ...inventory });
  await runBatch(batch, tx, options);
}

async function insertInventory(tx: EntityManager, hostId: number, inventory: InventoryRow): Promise<void> {
  await tx.getRepository('InventoryDocument').createQueryBuilder().insert().values({ host_id: hostId, ...inventory }).updateEntity(false).execute();
}

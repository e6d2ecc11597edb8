// The writes of one discovery, after identity matching decided between a new
// host and a known one. On MariaDB they are statements appended to a
// multi-statement batch (the new host's id carried in a session variable):
// a discovery storm is bound by per-statement round trips there
// (docs/discovery-writes.md), and discovery-group.ts puts several
// machines in one batch. PostgreSQL and SQLite take the same rows statement
// by statement.

import type { EntityManager } from 'typeorm';
import type { Architecture } from '../../model/inventory.js';
import type { Dialect } from '../dialect.js';
import { insertHost } from '../hosts.js';
import { newHostRow, type HostMacRow, type HostRow } from '../host-rows.js';
import { SqlBatch, type SqlRow } from './sql-batch.js';

export interface InventoryRow {
  received_at: Date;
  format: string;
  source: string;
  sha256: string;
  size_bytes: number;
  /** gzip-compressed document */
  document: Buffer;
}

/**
 * What a known host's document does to its stored ones: a re-post of its last
 * document stores nothing; any other is stored and the host keeps its `keep`
 * newest distinct documents (agent.inventoriesKept), the older ones and an
 * older copy of the same bytes deleted in the same transaction.
 */
export interface Retention {
  keep: number;
  repost: boolean;
}

export interface HostFacts {
  uuid: string | null;
  serial: string | null;
  arch: Architecture | null;
}

/** A new host, its MACs and its document; returns the host's id (the caller builds the Host it answers with). */
export async function insertDiscovered(
  tx: EntityManager,
  dialect: Dialect,
  name: string,
  macs: string[],
  facts: HostFacts,
  inventory: InventoryRow,
): Promise<number> {
  const now = inventory.received_at;
  if (dialect !== 'mysql') {
    const host = await insertHost(
      tx,
      name,
      macs,
      {
        ...(facts.uuid ? { uuid: facts.uuid } : {}),
        ...(facts.serial ? { serial: facts.serial } : {}),
        ...(facts.arch ? { arch: facts.arch } : {}),
      },
      now,
    );
    await insertInventory(tx, host.id, inventory);
    return host.id;
  }
  const results = await appendInsertDiscovered(new SqlBatch(), '@dploy_host', discoveredHostRow(name, facts, now), macs, inventory)
    .flushRows()
    .add('SELECT @dploy_host AS id')
    .run(tx);
  return Number((results.at(-1) as Array<{ id: number | string }>)[0]!.id);
}

export async function updateDiscovered(
  tx: EntityManager,
  dialect: Dialect,
  hostId: number,
  facts: HostFacts,
  freshMacs: HostMacRow[],
  inventory: InventoryRow,
  retention: Retention,
): Promise<void> {
  if (dialect !== 'mysql') {
    if (freshMacs.length > 0) await tx.getRepository<HostMacRow>('HostMac').createQueryBuilder().insert().values(freshMacs).updateEntity(false).execute();
    await tx.getRepository<HostRow>('Host').update({ id: hostId }, { ...facts, updated_at: inventory.received_at });
    if (retention.repost) return;
    const prune = pruneStatement(dialect, hostId, inventory.sha256, retention.keep);
    await tx.query(prune.sql, prune.params);
    await insertInventory(tx, hostId, inventory);
    return;
  }
  await appendUpdateDiscovered(new SqlBatch(), hostId, facts, freshMacs, inventory, retention).flushRows().run(tx);
}

export function discoveredHostRow(name: string, facts: HostFacts, now: Date): Omit<HostRow, 'id'> {
  return newHostRow(name, now, facts);
}

/**
 * MariaDB: a new host, its MACs and its document; `hostVar` (a session
 * variable named by dploy) holds the new id after. The MACs and the document
 * are gathered rows (the caller flushes them, once for a whole group);
 * `platformRef`, SQL written by dploy, is the host tool's link when its row
 * is already in the batch.
 */
export function appendInsertDiscovered(
  batch: SqlBatch,
  hostVar: string,
  row: Omit<HostRow, 'id'>,
  macs: string[],
  inventory: InventoryRow,
  platformRef?: string,
): SqlBatch {
  const { platform_ref: _none, ...linkless } = row;
  return (
    platformRef === undefined ? batch.insert('dploy_hosts', row as SqlRow) : batch.insert('dploy_hosts', linkless as SqlRow, { platform_ref: platformRef })
  )
    .add(`SET ${hostVar} = LAST_INSERT_ID()`)
    .addRows(
      'dploy_host_macs',
      macs.map((mac, position) => ({ mac, position, interface: null })),
      { host_id: hostVar },
    )
    .addRow('dploy_inventories', { ...inventory }, { host_id: hostVar });
}

/**
 * MariaDB: a known host's new MACs and its document (gathered rows, as above),
 * its facts and, given, its link; the prune of its older documents is one
 * statement of the same batch, before the gathered rows are inserted.
 */
export function appendUpdateDiscovered(
  batch: SqlBatch,
  hostId: number,
  facts: HostFacts,
  freshMacs: HostMacRow[],
  inventory: InventoryRow,
  retention: Retention,
  platformRef?: string,
): SqlBatch {
  const hostIdSql = { host_id: String(Number(hostId)) };
  const link = platformRef === undefined ? '' : `, platform_ref = ${platformRef}`;
  batch
    .addRows(
      'dploy_host_macs',
      freshMacs.map(({ mac, position, interface: nic }) => ({ mac, position, interface: nic })),
      hostIdSql,
    )
    .add(`UPDATE dploy_hosts SET uuid = ?, serial = ?, arch = ?, updated_at = ?${link} WHERE id = ?`, [
      facts.uuid,
      facts.serial,
      facts.arch,
      inventory.received_at,
      hostId,
    ]);
  if (retention.repost) return batch;
  const prune = pruneStatement('mysql', hostId, inventory.sha256, retention.keep);
  return batch.add(prune.sql, prune.params).addRow('dploy_inventories', { ...inventory }, hostIdSql);
}

/**
 * Deletes, before a new document is stored, the host's copies of the same
 * bytes and its documents older than its `keep - 1` newest other ones. The
 * edge is read through a derived table: MariaDB refuses a subquery on the
 * table a DELETE changes, and LIMIT inside IN (…).
 */
export function pruneStatement(dialect: Dialect, hostId: number, sha256: string, keep: number): { sql: string; params: Array<number | string> } {
  const [host, sha, sameHost, sameSha] = dialect === 'postgres' ? ['$1', '$2', '$1', '$2'] : ['?', '?', '?', '?'];
  const sql =
    `DELETE FROM dploy_inventories WHERE host_id = ${host} AND (sha256 = ${sha} OR id <= (SELECT id FROM (` +
    `SELECT id FROM dploy_inventories WHERE host_id = ${sameHost} AND sha256 <> ${sameSha} ORDER BY id DESC LIMIT 1 OFFSET ${Math.max(0, Math.trunc(keep) - 1)}) AS kept_edge))`;
  return { sql, params: dialect === 'postgres' ? [hostId, sha256] : [hostId, sha256, hostId, sha256] };
}

async function insertInventory(tx: EntityManager, hostId: number, inventory: InventoryRow): Promise<void> {
  await tx
    .getRepository('InventoryDocument')
    .createQueryBuilder()
    .insert()
    .values({ host_id: hostId, ...inventory })
    .updateEntity(false)
    .execute();
}

// dploy_inventories: every document a machine posted, gzip-compressed, kept
// for audit and re-parsing (a parser fix applies to old documents too).

import { gunzipSync } from 'node:zlib';
import type { EntityManager } from 'typeorm';
import type { Inventory } from '../model/inventory.js';
import { readLshwInventory } from '../inventory/index.js';
import { toDate } from './host-rows.js';

interface InventoryRow {
  id: number;
  host_id: number;
  received_at: Date | string;
  format: string;
  source: string;
  sha256: string;
  size_bytes: number;
  document: Buffer;
}

export interface StoredInventory {
  id: number;
  receivedAt: Date;
  format: 'xml' | 'json';
  sha256: string;
  inventory: Inventory;
}

/** When the host's latest inventory was received, without reading the document. */
export async function latestInventoryAt(db: EntityManager, hostId: number): Promise<Date | undefined> {
  const row = await db
    .getRepository<InventoryRow>('InventoryDocument')
    .findOne({ select: { received_at: true }, where: { host_id: hostId }, order: { id: 'DESC' } });
  return row ? toDate(row.received_at) : undefined;
}

export async function latestInventory(db: EntityManager, hostId: number): Promise<StoredInventory | undefined> {
  const row = await db.getRepository<InventoryRow>('InventoryDocument').findOne({ where: { host_id: hostId }, order: { id: 'DESC' } });
  if (!row) return undefined;
  const format = row.format === 'json' ? 'json' : 'xml';
  return {
    id: Number(row.id),
    receivedAt: toDate(row.received_at),
    format,
    sha256: row.sha256,
    inventory: readLshwInventory(gunzipSync(row.document), format),
  };
}

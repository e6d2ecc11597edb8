// The size of dploy_inventories, for `dploy inventories` and /metrics: what
// the retention (agent.inventoriesKept) keeps the provisioning network from
// growing without bound. Read from the rows' own size_bytes (the document as
// posted), never from the compressed blobs, so a scrape reads no document.

import type { EntityManager } from 'typeorm';

export interface InventoryStoreSize {
  /** Documents stored. */
  documents: number;
  /** Hosts with at least one. */
  hosts: number;
  /** Their size as posted; the store holds them gzip-compressed. */
  postedBytes: number;
}

export async function inventoryStoreSize(db: EntityManager): Promise<InventoryStoreSize> {
  const [row] = (await db.query(
    'SELECT COUNT(*) AS documents, COUNT(DISTINCT host_id) AS hosts, COALESCE(SUM(size_bytes), 0) AS posted FROM dploy_inventories',
  )) as Array<{ documents: number | string; hosts: number | string; posted: number | string }>;
  return { documents: Number(row?.documents ?? 0), hosts: Number(row?.hosts ?? 0), postedBytes: Number(row?.posted ?? 0) };
}

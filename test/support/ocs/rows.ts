// Every machine's rows as the console and dploy see them, keyed by its BIOS
// serial, without what says who wrote a row and when: two ways of writing the
// same machines (a storm against posts one by one, prepared batches against
// plain queries) must give the same rows.

import type { OcsScratch } from './scratch.js';

const OCS_TABLES = ['hardware', 'bios', 'accountinfo', 'cpus', 'memories', 'storages', 'networks'] as const;
/** What says who wrote a row and when, or which number the database gave it. */
const WHEN_AND_WHICH = new Set(['ID', 'id', 'HARDWARE_ID', 'host_id', 'LASTDATE', 'LASTCOME', 'created_at', 'updated_at', 'received_at', 'platform_ref']);

/** Every machine's rows in every table, keyed by its serial, without ids and times (DEVICEID without its time). */
export async function rowsBySerial(scratch: OcsScratch): Promise<Map<string, Record<string, unknown[]>>> {
  const computers = await scratch.sql<{ ID: number; SSN: string; host: number }>(
    'SELECT h.ID, b.SSN, d.id AS host FROM hardware h JOIN bios b ON b.HARDWARE_ID = h.ID JOIN dploy_hosts d ON CAST(d.platform_ref AS UNSIGNED) = h.ID',
  );
  const clean = (rows: Array<Record<string, unknown>>) =>
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => !WHEN_AND_WHICH.has(k))
          .map(([k, v]) => [k, k === 'DEVICEID' ? String(v).replace(/-\d{4}(-\d\d){5}$/, '') : Buffer.isBuffer(v) ? v.toString('hex') : v]),
      ),
    );
  const out = new Map<string, Record<string, unknown[]>>();
  for (const c of computers) {
    const tables: Record<string, unknown[]> = {};
    for (const t of OCS_TABLES)
      tables[t] = clean(await scratch.sql(`SELECT * FROM ${t} WHERE ${t === 'hardware' ? 'ID' : 'HARDWARE_ID'} = ? ORDER BY 1`, [c.ID]));
    tables.dploy_hosts = clean(await scratch.sql('SELECT * FROM dploy_hosts WHERE id = ?', [c.host]));
    tables.dploy_host_macs = clean(await scratch.sql('SELECT * FROM dploy_host_macs WHERE host_id = ? ORDER BY position', [c.host]));
    tables.dploy_inventories = clean(await scratch.sql('SELECT * FROM dploy_inventories WHERE host_id = ? ORDER BY id', [c.host]));
    out.set(c.SSN, tables);
  }
  return out;
}

// Puts a discovered machine's rows in OCS's tables, inside the transaction
// that records it in dploy's own tables: both or neither. The OCS computer is
// found by dploy's link (dploy_hosts.platform_ref = hardware.ID), else by a
// MAC OCS already knows (a machine its agent reported before it PXE-booted),
// else created. Sections are replaced whole, as OCS's server does for a
// section whose checksum changed.

import type { EntityManager } from 'typeorm';
import type { Host } from '../../model/host.js';
import { computerByMacs } from './adopt.js';
import { lockComputer, unlockComputer } from './ocs-locks.js';
import { deviceId, DPLOY_CHECKSUM, OCS_DEFAULT_CHECKSUM, type OcsMachineRows } from './machine-rows.js';

type Row = Record<string, string | number | null>;
const SECTIONS = ['cpus', 'memories', 'storages', 'networks'] as const;

export async function writeComputer(tx: EntityManager, host: Host, rows: OcsMachineRows, now: Date): Promise<number> {
  const existing = await linkedComputer(tx, host);
  if (existing === undefined) {
    const id = await insertRow(tx, 'hardware', {
      ...rows.hardware, DEVICEID: deviceId(String(rows.hardware.NAME), now), FIDELITY: 1, CHECKSUM: OCS_DEFAULT_CHECKSUM | DPLOY_CHECKSUM,
    }, ['LASTDATE', 'LASTCOME']);
    await lockComputer(tx, id);
    await insertRow(tx, 'bios', { HARDWARE_ID: id, ...rows.bios });
    await insertRow(tx, 'accountinfo', { HARDWARE_ID: id, TAG: 'NA' });
    await insertSections(tx, id, rows);
    await link(tx, host.id, id);
    await unlockComputer(tx, id);
    return id;
  }
  const { id, ownedByDploy } = existing;
  await lockComputer(tx, id);
  // A computer OCS's agent reported keeps the name and OS its agent wrote;
  // a dploy-discovered one follows dploy's host name.
  const hardware: Row = { ...rows.hardware };
  if (!ownedByDploy) {
    delete hardware.NAME;
    delete hardware.USERAGENT;
  }
  await updateRow(tx, 'hardware', id, hardware, ['LASTDATE', 'LASTCOME']);
  // As OCS's server does: the sections this inventory replaced are ORed into the checksum.
  await tx.query('UPDATE hardware SET CHECKSUM = CHECKSUM | ? WHERE ID = ?', [DPLOY_CHECKSUM, id]);
  await tx.query('DELETE FROM bios WHERE HARDWARE_ID = ?', [id]);
  await insertRow(tx, 'bios', { HARDWARE_ID: id, ...rows.bios });
  await tx.query('INSERT IGNORE INTO accountinfo (HARDWARE_ID, TAG) VALUES (?, ?)', [id, 'NA']);
  for (const section of SECTIONS) await tx.query(`DELETE FROM ${section} WHERE HARDWARE_ID = ?`, [id]);
  await insertSections(tx, id, rows);
  await link(tx, host.id, id);
  await unlockComputer(tx, id);
  return id;
}

async function linkedComputer(tx: EntityManager, host: Host): Promise<{ id: number; ownedByDploy: boolean } | undefined> {
  const [linked] = await tx.query(
    `SELECT h.ID AS id, h.USERAGENT AS agent FROM dploy_hosts d JOIN hardware h ON h.ID = CAST(d.platform_ref AS UNSIGNED) WHERE d.id = ?`, [host.id],
  ) as Array<{ id: number; agent: string | null }>;
  if (linked) return { id: Number(linked.id), ownedByDploy: isDployAgent(linked.agent) };
  const known = await computerByMacs(tx, host.macs);
  if (known === undefined) return undefined;
  const [row] = await tx.query('SELECT USERAGENT AS agent FROM hardware WHERE ID = ?', [known]) as Array<{ agent: string | null }>;
  return { id: known, ownedByDploy: isDployAgent(row?.agent ?? null) };
}

export const isDployAgent = (agent: string | null): boolean => agent?.startsWith('dploy/') ?? false;

async function link(tx: EntityManager, hostId: number, hardwareId: number): Promise<void> {
  await tx.query('UPDATE dploy_hosts SET platform_ref = ? WHERE id = ?', [String(hardwareId), hostId]);
}

async function insertSections(tx: EntityManager, id: number, rows: OcsMachineRows): Promise<void> {
  for (const section of SECTIONS) await insertRows(tx, section, rows[section].map((r) => ({ HARDWARE_ID: id, ...r })));
}

async function insertRow(tx: EntityManager, table: string, row: Row, nowColumns: string[] = []): Promise<number> {
  const columns = Object.keys(row);
  const result = await tx.query(
    `INSERT INTO ${table} (${[...columns, ...nowColumns].join(', ')}) VALUES (${[...columns.map(() => '?'), ...nowColumns.map(() => 'NOW()')].join(', ')})`,
    Object.values(row),
  ) as { insertId?: number };
  return Number(result.insertId ?? 0);
}

async function insertRows(tx: EntityManager, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`, rows.flatMap((r) => columns.map((c) => r[c] ?? null)));
}

async function updateRow(tx: EntityManager, table: string, id: number, row: Row, nowColumns: string[]): Promise<void> {
  const sets = [...Object.keys(row).map((c) => `${c} = ?`), ...nowColumns.map((c) => `${c} = NOW()`)];
  await tx.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE ID = ?`, [...Object.values(row), id]);
}

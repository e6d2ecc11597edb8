// Puts a discovered machine's rows in OCS's tables, inside the transaction
// that records it in dploy's own tables: both or neither. The OCS computer is
// found by dploy's link (dploy_hosts.platform_ref = hardware.ID), else by a
// MAC OCS already knows (a machine its agent reported before it PXE-booted),
// else created. Sections are replaced whole, as OCS's server does for a
// section whose checksum changed.
//
// The writes go as one multi-statement batch (the new ID carried in a
// session variable): one round trip instead of fifteen, measured 5 ms ->
// under 1 ms per machine (docs/benchmarks.md). Values are bound by mysql2's
// placeholders as everywhere else; nothing is spliced into the SQL text.

import type { EntityManager } from 'typeorm';
import type { Host } from '../../model/host.js';
import { SqlBatch as Batch } from '../../store/sql-batch.js';
import { linkedComputerFor, linkedComputerStatement, type LinkedComputer } from './linked-computer.js';
import { lockComputer } from './ocs-locks.js';
import { deviceId, DPLOY_CHECKSUM, OCS_DEFAULT_CHECKSUM, type OcsMachineRows } from './machine-rows.js';

type Row = Record<string, string | number | null>;
const SECTIONS = ['cpus', 'memories', 'storages', 'networks'] as const;

export async function writeComputer(tx: EntityManager, host: Host, rows: OcsMachineRows, now: Date): Promise<number> {
  // The host owns its MACs, so looking up by them finds the host and its link.
  const { sql, params } = linkedComputerStatement({ macs: host.macs });
  const existing = linkedComputerFor(await tx.query(sql, params) as unknown[], host);
  const hostId = String(Number(host.id));
  if (existing === undefined) {
    const results = await appendInsertComputer(new Batch(), hostId, '@dploy_hid', rows, now).add('SELECT @dploy_hid AS id').run(tx);
    return Number((results.at(-1) as Array<{ id: number }>)[0]!.id);
  }
  await lockComputer(tx, existing.id);
  await appendUpdateComputer(new Batch(), hostId, existing, rows).run(tx);
  return existing.id;
}

/**
 * A new computer and its sections. `hostIdSql` is dploy's host id as SQL (a
 * number, or the session variable of a host inserted in the same batch);
 * `hidVar` the session variable that carries the new hardware ID.
 */
export function appendInsertComputer(batch: Batch, hostIdSql: string, hidVar: string, rows: OcsMachineRows, now: Date): Batch {
  // No lock for a computer that does not exist yet: nobody else can know its ID before the commit.
  const hid = { HARDWARE_ID: hidVar };
  batch
    .insert('hardware', { ...rows.hardware, DEVICEID: deviceId(String(rows.hardware.NAME), now), FIDELITY: 1, CHECKSUM: OCS_DEFAULT_CHECKSUM | DPLOY_CHECKSUM }, { LASTDATE: 'NOW()', LASTCOME: 'NOW()' })
    .add(`SET ${hidVar} = LAST_INSERT_ID()`)
    .insert('bios', rows.bios, hid)
    .add(`INSERT INTO accountinfo (HARDWARE_ID, TAG) VALUES (${hidVar}, 'NA')`);
  for (const section of SECTIONS) batch.insertMany(section, rows[section], hid);
  return batch.add(`UPDATE dploy_hosts SET platform_ref = CAST(${hidVar} AS CHAR) WHERE id = ${hostIdSql}`);
}

/**
 * A known computer's sections replaced. `lock` takes OCS's lock row in the
 * batch itself (a group's optimistic path: a held lock fails the batch, and
 * the machine is written again alone through lockComputer); without it the
 * caller took the lock already.
 */
export function appendUpdateComputer(batch: Batch, hostIdSql: string, existing: LinkedComputer, rows: OcsMachineRows, options: { lock?: boolean } = {}): Batch {
  const { id } = existing;
  if (options.lock) batch.add('INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES (?, ?, NOW())', [id, process.pid]);
  // A computer OCS's agent reported keeps the name and agent its agent wrote;
  // a dploy-discovered one follows dploy's host name.
  const hardware: Row = { ...rows.hardware };
  if (!existing.ownedByDploy) {
    delete hardware.NAME;
    delete hardware.USERAGENT;
  }
  batch
    // As OCS's server does: the sections this inventory replaced are ORed into the checksum.
    .add(`UPDATE hardware SET ${Object.keys(hardware).map((c) => `${c} = ?`).join(', ')}, LASTDATE = NOW(), LASTCOME = NOW(), CHECKSUM = CHECKSUM | ? WHERE ID = ?`, [...Object.values(hardware), DPLOY_CHECKSUM, id])
    .add('DELETE FROM bios WHERE HARDWARE_ID = ?', [id])
    .insert('bios', { HARDWARE_ID: id, ...rows.bios })
    .add("INSERT IGNORE INTO accountinfo (HARDWARE_ID, TAG) VALUES (?, 'NA')", [id]);
  for (const section of SECTIONS) batch.add(`DELETE FROM ${section} WHERE HARDWARE_ID = ?`, [id]).insertMany(section, rows[section], { HARDWARE_ID: String(Number(id)) });
  return batch
    .add(`UPDATE dploy_hosts SET platform_ref = ? WHERE id = ${hostIdSql}`, [String(id)])
    .add('DELETE FROM locks WHERE HARDWARE_ID = ?', [id]);
}

// Puts a discovered machine's rows in OCS's tables, inside the transaction
// that records it in dploy's own tables: both or neither. The OCS computer is
// found by dploy's link (dploy_hosts.platform_ref = hardware.ID), else by a
// MAC OCS already knows (a machine its agent reported before it PXE-booted),
// else created. Sections are replaced whole, as OCS's server does for a
// section whose checksum changed.
//
// The writes go as one multi-statement batch (the new ID carried in a
// session variable): one round trip per machine instead of one per statement
// (about fifteen), as a discovery storm is bound by round trips
// (docs/discovery-writes.md). A discovery group (computer-group.ts) puts all
// its machines' section rows in one INSERT per table. Values are bound by
// mysql2's placeholders as everywhere else; nothing is spliced into the SQL text.
// Only the columns this OCS has are written (`columns`, resolved once at
// start by ocs-schema.ts); the others keep OCS's defaults.

import type { EntityManager } from 'typeorm';
import type { Host } from '../../model/host.js';
import { SqlBatch as Batch } from '../../store/discovery/index.js';
import { linkHostStatement } from '../../store/host-links.js';
import { linkedComputerFor, linkedComputerStatement, type LinkedComputer } from './linked-computer.js';
import { dropOwnLocks, lockComputer, releaseLocksStatement } from './ocs-locks.js';
import { deviceId, DPLOY_CHECKSUM, OCS_DEFAULT_CHECKSUM, type OcsMachineRows } from './machine-rows.js';
import type { OcsWriteColumns } from './ocs-schema.js';

type Row = Record<string, string | number | null>;
const SECTIONS = ['cpus', 'memories', 'storages', 'networks'] as const;

export async function writeComputer(tx: EntityManager, host: Host, rows: OcsMachineRows, now: Date, columns: OcsWriteColumns): Promise<number> {
  // The host owns its MACs, so looking up by them finds the host and its link.
  const { sql, params } = linkedComputerStatement({ macs: host.macs });
  const existing = linkedComputerFor((await tx.query(sql, params)) as unknown[], host);
  if (existing === undefined) {
    const link = linkHostStatement(host.id, { sessionVariable: '@dploy_hid' });
    const results = await appendInsertComputer(new Batch(), '@dploy_hid', rows, now, columns)
      .flushRows()
      .add(link.sql, link.params)
      .add('SELECT @dploy_hid AS id')
      .run(tx);
    return Number((results.at(-1) as Array<{ id: number }>)[0]!.id);
  }
  await lockComputer(tx, existing.id);
  const release = releaseLocksStatement([existing.id]);
  const link = linkHostStatement(host.id, { value: String(existing.id) });
  try {
    await appendUpdateComputer(new Batch(), existing, rows, columns).flushRows().add(link.sql, link.params).add(release.sql, release.params).run(tx);
  } catch (err) {
    await dropOwnLocks(tx, [existing.id]).catch(() => undefined);
    throw err;
  }
  return existing.id;
}

/**
 * A new computer: its `hardware` row now (`hidVar`, a session variable, then
 * carries its ID), its sections as gathered rows for the caller to flush
 * (once for a whole group: one INSERT per table). The ID is never computed
 * from a multi-row INSERT's first one: with innodb_autoinc_lock_mode 2 or
 * Galera the IDs of one statement need not be consecutive.
 */
export function appendInsertComputer(batch: Batch, hidVar: string, rows: OcsMachineRows, now: Date, columns: OcsWriteColumns): Batch {
  // No lock for a computer that does not exist yet: nobody else can know its ID before the commit.
  const hid = { HARDWARE_ID: hidVar };
  const hardware = { ...rows.hardware, DEVICEID: deviceId(String(rows.hardware.NAME), now), FIDELITY: 1, CHECKSUM: OCS_DEFAULT_CHECKSUM | DPLOY_CHECKSUM };
  batch
    .insert('hardware', fit(hardware, columns.hardware), { LASTDATE: 'NOW()', LASTCOME: 'NOW()' })
    .add(`SET ${hidVar} = LAST_INSERT_ID()`)
    .addRow('bios', fit(rows.bios, columns.bios), hid)
    .addRow('accountinfo', { TAG: 'NA' }, hid);
  for (const section of SECTIONS)
    batch.addRows(
      section,
      rows[section].map((row) => fit(row, columns[section])),
      hid,
    );
  return batch;
}

/**
 * A known computer's sections replaced (the new rows gathered, as above). The
 * caller holds OCS's lock row of the computer and releases it after the
 * flush; it links its host to the computer.
 */
export function appendUpdateComputer(batch: Batch, existing: LinkedComputer, rows: OcsMachineRows, columns: OcsWriteColumns): Batch {
  const { id } = existing;
  const hid = { HARDWARE_ID: String(Number(id)) };
  // A computer OCS's agent reported keeps the name and agent its agent wrote;
  // a dploy-discovered one follows dploy's host name.
  const hardware = fit(rows.hardware, columns.hardware);
  if (!existing.ownedByDploy) {
    delete hardware.NAME;
    delete hardware.USERAGENT;
  }
  batch
    // As OCS's server does: the sections this inventory replaced are ORed into the checksum.
    .add(
      `UPDATE hardware SET ${Object.keys(hardware)
        .map((c) => `${c} = ?`)
        .join(', ')}, LASTDATE = NOW(), LASTCOME = NOW(), CHECKSUM = CHECKSUM | ? WHERE ID = ?`,
      [...Object.values(hardware), DPLOY_CHECKSUM, id],
    )
    .add('DELETE FROM bios WHERE HARDWARE_ID = ?', [id])
    .addRow('bios', fit(rows.bios, columns.bios), hid)
    .add("INSERT IGNORE INTO accountinfo (HARDWARE_ID, TAG) VALUES (?, 'NA')", [id]);
  for (const section of SECTIONS)
    batch.add(`DELETE FROM ${section} WHERE HARDWARE_ID = ?`, [id]).addRows(
      section,
      rows[section].map((row) => fit(row, columns[section])),
      hid,
    );
  return batch;
}

/** The row's values for the columns this OCS has, in the order of `columns`: the same SQL shape for every machine. */
function fit(row: Row, columns: readonly string[]): Row {
  const fitted: Row = {};
  for (const column of columns) if (column in row) fitted[column] = row[column]!;
  return fitted;
}

// The real stack's ocsweb database, for what a test must set up or check
// behind the console's back. Deleting follows the console's own deleteDid()
// (ocsreports require/function_computers.php) so no orphan rows are left for
// OCS's duplicate detection or the next test to trip over.

import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { ocsStack } from '../ocs-stack.js';

/** deviceid of the hardware rows that are groups, not computers (deleteDid's test). */
export const GROUP_DEVICEIDS = ['_SYSTEMGROUP_', '_DOWNLOADGROUP_'];

/** ocsweb as the console's own user (ocs/ocs) over TCP. Close it with end(). */
export function ocsDb(): Promise<Connection> {
  return mysql.createConnection({ uri: ocsStack().databaseUrl, dateStrings: true });
}

/**
 * The tables deleteDid() empties for a computer: $_SESSION['OCS']['SQL_TABLE_HARDWARE_ID'],
 * which header.php fills with every table that has a column named exactly HARDWARE_ID.
 */
export async function hardwareIdTables(db: Connection): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `select table_name as t from information_schema.columns
      where table_schema = database() and column_name = binary 'HARDWARE_ID' order by 1`,
  );
  return rows.map((r) => String(r.t));
}

/** Deletes these computers the way deleteDid() does, table by table. */
export async function deleteComputers(db: Connection, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const tables = await hardwareIdTables(db);
  // deleteDid(): netmap rows of the computer's MACs, then each HARDWARE_ID table,
  // download_enable by SERVER_ID, and the hardware row last.
  await db.query('delete from netmap where mac in (select macaddr from networks where hardware_id in (?))', [ids]);
  for (const table of tables) await db.query(`delete from \`${table}\` where hardware_id in (?)`, [ids]);
  await db.query('delete from download_enable where server_id in (?)', [ids]);
  await db.query('delete from hardware where id in (?)', [ids]);
}

/** Deletes these groups the way deleteDid()'s group branch does (devices, groups, groups_cache, messages). */
export async function deleteGroups(db: Connection, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db.query("delete from config where name like 'GUI_REPORT_MSG%' and ivalue in (?)", [ids]);
  await db.query('delete from `groups` where hardware_id in (?)', [ids]);
  await db.query('delete from groups_cache where group_id in (?)', [ids]);
  await db.query('delete from devices where hardware_id in (?)', [ids]);
  await db.query('delete from download_enable where server_id in (?)', [ids]);
  await db.query('delete from hardware where id in (?)', [ids]);
}

/**
 * Deletes every computer (not groups), or only those whose name starts with
 * `namePrefix`: other tests may share the stack's ocsweb, so a test cleans
 * up what it made.
 */
export async function resetComputers(namePrefix?: string): Promise<void> {
  const db = await ocsDb();
  try {
    await deleteComputers(db, await hardwareIds(db, 'not in', namePrefix));
  } finally {
    await db.end();
  }
}

/** Deletes every group, or those whose name starts with `namePrefix`. */
export async function resetGroups(namePrefix?: string): Promise<void> {
  const db = await ocsDb();
  try {
    await deleteGroups(db, await hardwareIds(db, 'in', namePrefix));
  } finally {
    await db.end();
  }
}

async function hardwareIds(db: Connection, groups: 'in' | 'not in', namePrefix?: string): Promise<number[]> {
  const [rows] = await db.query<RowDataPacket[]>(`select id from hardware where deviceid ${groups} (?) and (? is null or name like concat(?, '%'))`, [
    GROUP_DEVICEIDS,
    namePrefix ?? null,
    namePrefix ?? null,
  ]);
  return rows.map((r) => Number(r.id));
}

export interface OcsComputer {
  hardware: RowDataPacket;
  bios: RowDataPacket | undefined;
  networks: RowDataPacket[];
  accountinfo: RowDataPacket | undefined;
}

/** One computer's main rows, or undefined when hardware has no such id. */
export async function readComputer(id: number): Promise<OcsComputer | undefined> {
  const db = await ocsDb();
  try {
    const [hardware] = await db.query<RowDataPacket[]>('select * from hardware where id = ?', [id]);
    if (!hardware[0]) return undefined;
    const [bios] = await db.query<RowDataPacket[]>('select * from bios where hardware_id = ?', [id]);
    const [networks] = await db.query<RowDataPacket[]>('select * from networks where hardware_id = ? order by id', [id]);
    const [accountinfo] = await db.query<RowDataPacket[]>('select * from accountinfo where hardware_id = ?', [id]);
    return { hardware: hardware[0], bios: bios[0], networks, accountinfo: accountinfo[0] };
  } finally {
    await db.end();
  }
}

/** hardware.id of the computer named `name` (the newest when several). */
export async function computerIdByName(name: string): Promise<number | undefined> {
  const db = await ocsDb();
  try {
    const [rows] = await db.query<RowDataPacket[]>('select id from hardware where name = ? order by id desc limit 1', [name]);
    return rows[0] ? Number(rows[0].id) : undefined;
  } finally {
    await db.end();
  }
}

/** One query on ocsweb, on its own connection: for tests that set up or check a few rows. */
export async function ocsQuery<T = RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
  const db = await ocsDb();
  try {
    const [rows] = await db.query(sql, params);
    return rows as T[];
  } finally {
    await db.end();
  }
}

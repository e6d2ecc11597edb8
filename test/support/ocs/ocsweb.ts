// The real OCS stack's database (ocsweb, written by OCS's own communication
// server and console): a connection, and removing test computers from every
// table that holds rows per computer, as the console's delete does.

import mysql from 'mysql2/promise';
import { MARIADB } from '../services.js';

export const OCS_HTTP = `http://127.0.0.1:${process.env.OCS_PORT ?? 8408}`;

export async function ocswebQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await mysql.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root', database: 'ocsweb', dateStrings: true });
  try {
    const [rows] = await c.query(sql, params);
    return rows as T[];
  } finally {
    await c.end();
  }
}

/** Deletes the computers whose DEVICEID starts with prefix, and their rows in every per-computer table. */
export async function deleteOcsComputers(prefix: string): Promise<void> {
  const ids = (await ocswebQuery<{ ID: number }>('SELECT ID FROM hardware WHERE DEVICEID LIKE ?', [`${prefix}%`])).map((r) => r.ID);
  if (ids.length === 0) return;
  const tables = await ocswebQuery<{ t: string }>(
    "SELECT TABLE_NAME AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'ocsweb' AND COLUMN_NAME = 'HARDWARE_ID' AND TABLE_NAME NOT LIKE 'dploy\\_%'");
  for (const { t } of tables) await ocswebQuery(`DELETE FROM \`${t}\` WHERE HARDWARE_ID IN (?)`, [ids]);
  await ocswebQuery('DELETE FROM hardware WHERE ID IN (?)', [ids]);
}

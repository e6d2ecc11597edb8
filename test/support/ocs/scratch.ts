// A private copy of the real OCS schema for one test: every table of ocsweb
// (created by the console's own install.php + update.php, see
// test/setup/ocs-stack.sh) recreated with CREATE TABLE … LIKE, with OCS's
// config, its stock administrative data and the MAC/serial blacklists. Tests
// that do not need the console over HTTP run here, in parallel with nothing.
// Left out: unixusers, which dploy migrate recreates (server-compat.ts), so
// the copy is the schema a fresh 7069 install has.
// Other schema versions (docs/ocs.md): 7039 is what the console's install
// SQL creates before update.php runs, loaded from the installed package's own
// file; 7082 is the 7069 copy brought forward by the DDL steps of
// updates-to-7082.ts (OCS 2.12, which Debian does not ship).

import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { openStore, type Store } from '../../../plugin/store/database.js';
import { migrate } from '../../../plugin/store/migrate.js';
import { registerInOcs } from '../../../plugin/platforms/ocs/ocs-migrate.js';
import { createOcsPlatform } from '../../../plugin/platforms/ocs/ocs-platform.js';
import type { Platform } from '../../../plugin/platforms/platform.js';
import type { DiscoveryIntakeOptions } from '../../../plugin/store/discovery/index.js';
import { ensureService, MARIADB } from '../services.js';
import { updateTo7082 } from './updates-to-7082.js';

export const OCS_SOURCE_DB = 'ocsweb';
const COPIED_ROWS = ['config', 'accountinfo_config', 'blacklist_macaddresses', 'blacklist_serials'];
/** The console's install SQL in Debian's ocsinventory-reports: the schema at GUI_VERSION 7039. */
export const INSTALL_SQL = '/usr/share/ocsinventory-reports/files/ocsbase_new.sql';

/** The schema versions dploy's OCS tests run on. */
export type OcsShape = 7039 | 7069 | 7082;
export const OCS_SHAPES: readonly OcsShape[] = [7039, 7069, 7082];

export interface OcsScratch {
  name: string;
  url: string;
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createOcsScratch(shape: OcsShape = 7069): Promise<OcsScratch> {
  await ensureService('mariadb');
  const name = `dploy_ocs_${randomBytes(5).toString('hex')}`;
  if (shape === 7039) {
    await loadInstallSql(name);
    return scratchOf(name);
  }
  const admin = await mysql.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root', multipleStatements: true });
  try {
    const [tables] = (await admin.query(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT LIKE 'dploy\\_%' AND TABLE_NAME <> 'unixusers'",
      [OCS_SOURCE_DB],
    )) as unknown as [Array<{ t: string }>];
    if (!tables.some((r) => r.t === 'hardware')) throw new Error(`no OCS schema in ${OCS_SOURCE_DB}: run bash test/setup/ocs-stack.sh (as root)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(tables.map(({ t }) => `CREATE TABLE ${name}.\`${t}\` LIKE ${OCS_SOURCE_DB}.\`${t}\``).join(';\n'));
    // Only OCS's own administrative data (the console's TAG): not what other tests registered.
    await admin.query(
      COPIED_ROWS.map(
        (t) =>
          `INSERT INTO ${name}.${t} SELECT * FROM ${OCS_SOURCE_DB}.${t}${t === 'accountinfo_config' ? " WHERE NAME = 'TAG'" : t === 'config' ? " WHERE NAME NOT LIKE 'ACCOUNT\\_VALUE\\_DPLOY%' AND NOT (NAME LIKE 'TAB\\_ACCOUNTAG\\_%' AND IVALUE > 1)" : ''}`,
      ).join(';\n'),
    );
    // accountinfo's extra columns belong to fields registered in ocsweb: drop them, as a fresh OCS has none.
    const [extra] = (await admin.query(
      `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'accountinfo' AND COLUMN_NAME LIKE 'fields\\_%'`,
      [name],
    )) as unknown as [Array<{ c: string }>];
    for (const { c } of extra) await admin.query(`ALTER TABLE ${name}.accountinfo DROP COLUMN ${c}`);
    if (shape === 7082) {
      await admin.query(`USE ${name}`);
      await updateTo7082((statement, params) => admin.query(statement, params));
    }
  } finally {
    await admin.end();
  }
  return scratchOf(name);
}

/** A new database with the console's install SQL, as install.php loads it (the mysql client, as a DBA would). */
async function loadInstallSql(name: string): Promise<void> {
  const sql = readFileSync(INSTALL_SQL, 'utf8');
  const client = ['-h', MARIADB.host, '-P', String(MARIADB.port), '-u', 'root'];
  const create = spawnSync('mysql', [...client, '-e', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (create.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${create.stderr}`);
  const load = spawnSync('mysql', [...client, name], { input: sql, encoding: 'utf8' });
  if (load.status !== 0) throw new Error(`loading ${INSTALL_SQL} into ${name}: ${load.stderr}`);
}

function scratchOf(name: string): OcsScratch {
  const url = `${MARIADB.url}/${name}`;
  return {
    name,
    url,
    async sql<T>(query: string, params: unknown[] = []) {
      const c = await mysql.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root', database: name, dateStrings: true });
      try {
        const [rows] = await c.query(query, params);
        return rows as T[];
      } finally {
        await c.end();
      }
    },
    drop: async () => {
      const c = await mysql.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root' });
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A scratch OCS with dploy migrated into it: store, platform, and the way out. */
export async function openOcsPlatform(
  intakeOptions: DiscoveryIntakeOptions = {},
  shape: OcsShape = 7069,
): Promise<{ scratch: OcsScratch; store: Store; platform: Platform; dispose(): Promise<void> }> {
  const scratch = await createOcsScratch(shape);
  const store = await openStore(scratch.url);
  await migrate(store.db, 'mysql');
  await registerInOcs(store.db.manager);
  return {
    scratch,
    store,
    platform: createOcsPlatform(store, intakeOptions),
    dispose: async () => {
      await store.close();
      await scratch.drop();
    },
  };
}

// One fresh database per test, on each of the three dialects, dropped after.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Dialect } from '../../plugin/store/dialect.js';
import { openStore, type Store } from '../../plugin/store/database.js';
import { loadMigrations, migrate } from '../../plugin/store/migrate.js';
import { ensureService, MARIADB, POSTGRES } from './services.js';

export const DIALECTS: Dialect[] = ['sqlite', 'mysql', 'postgres'];

export interface TestDatabase {
  dialect: Dialect;
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const name = `dploy_t_${randomBytes(5).toString('hex')}`;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dploy-test-'));
    return { dialect, name, url: `sqlite:${join(dir, 'dploy.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (dialect === 'mysql') {
    await ensureService('mariadb');
    await mysqlAdmin(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    return { dialect, name, url: `${MARIADB.url}/${name}`, drop: () => mysqlAdmin(`DROP DATABASE IF EXISTS ${name}`) };
  }
  await ensureService('postgres');
  await postgresAdmin(`CREATE DATABASE ${name}`);
  return { dialect, name, url: `${POSTGRES.url}/${name}`, drop: () => postgresAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function mysqlAdmin(sql: string): Promise<void> {
  const connection = await mysql.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root' });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** Where the local MariaDB listens besides TCP (Debian: /run/mysqld/mysqld.sock). */
export async function mariadbSocket(): Promise<string> {
  const connection = await mysql.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root' });
  try {
    const [rows] = await connection.query('SELECT @@socket AS socket');
    return (rows as Array<{ socket: string }>)[0]!.socket;
  } finally {
    await connection.end();
  }
}

export async function postgresAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ host: POSTGRES.host, port: POSTGRES.port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database with dploy's tables, opened; dispose() closes and drops it. */
export async function openTestStore(dialect: Dialect): Promise<{ store: Store; database: TestDatabase; dispose(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const store = await openStore(database.url);
  try {
    await migrate(store.db, dialect);
  } catch (err) {
    await store.close();
    await database.drop();
    throw err;
  }
  return {
    store,
    database,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
}

/** What dploy says of a database none of its shipped migrations reached: their count and names, in order. */
export function lacksAllMigrations(dialect: Dialect): RegExp {
  const names = loadMigrations(dialect).map((m) => m.name);
  return new RegExp(`lacks ${names.length} migration\\(s\\) \\(${names.join(', ')}\\): run "dploy migrate" first`);
}

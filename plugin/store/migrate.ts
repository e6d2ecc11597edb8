// Applies the plain DDL files sql/<dialect>/NNN_name.sql in order and records
// each in dploy_migrations. Each file runs in one transaction where the
// database allows transactional DDL (PostgreSQL, SQLite); MariaDB commits DDL
// implicitly, so there a file is recorded only after all its statements ran.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { shipped } from '../package-root.js';
import { sqlTime, type Dialect } from './dialect.js';

export const SQL_ROOT = shipped('sql/');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export interface MigrationReport {
  applied: Migration[];
  alreadyApplied: number;
}

const MIGRATIONS_TABLE: Record<Dialect, string> = {
  sqlite: 'CREATE TABLE IF NOT EXISTS dploy_migrations (version INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at DATETIME NOT NULL)',
  mysql:
    'CREATE TABLE IF NOT EXISTS dploy_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at DATETIME(3) NOT NULL) ENGINE=InnoDB',
  postgres: 'CREATE TABLE IF NOT EXISTS dploy_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMPTZ(3) NOT NULL)',
};

export function loadMigrations(dialect: Dialect, root = SQL_ROOT): Migration[] {
  const dir = join(root, dialect);
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      statements: splitStatements(readFileSync(join(dir, file), 'utf8')),
    }));
}

/** Statements end with `;` at the end of a line; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n');
  return withoutComments
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Read-only: a database never migrated has no dploy_migrations table, and that is not created here. */
export async function pendingMigrations(db: DataSource, dialect: Dialect): Promise<Migration[]> {
  const done = new Set<number>();
  const runner = db.createQueryRunner();
  const exists = await runner.hasTable('dploy_migrations').finally(() => runner.release());
  if (exists) {
    const rows: Array<{ version: number | string }> = await db.query('SELECT version FROM dploy_migrations');
    for (const row of rows) done.add(Number(row.version));
  }
  return loadMigrations(dialect).filter((m) => !done.has(m.version));
}

export async function migrate(db: DataSource, dialect: Dialect): Promise<MigrationReport> {
  const all = loadMigrations(dialect);
  await db.query(MIGRATIONS_TABLE[dialect]);
  const pending = await pendingMigrations(db, dialect);
  for (const migration of pending) {
    try {
      await db.transaction(async (tx) => {
        for (const statement of migration.statements) await tx.query(statement);
        await tx.query(`INSERT INTO dploy_migrations (version, name, applied_at) VALUES (${placeholders(dialect, 3)})`, [
          migration.version,
          migration.name,
          sqlTime(dialect, new Date()),
        ]);
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DployError('DPLOY_ERR_MIGRATION', `migration ${String(migration.version).padStart(3, '0')}_${migration.name} failed: ${why}`, { cause: err });
    }
  }
  return { applied: pending, alreadyApplied: all.length - pending.length };
}

export function placeholders(dialect: Dialect, count: number): string {
  return Array.from({ length: count }, (_, i) => (dialect === 'postgres' ? `$${i + 1}` : '?')).join(', ');
}

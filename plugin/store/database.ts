// Opens the store: one typeorm DataSource on the configured database, with
// connection failures turned into messages that say what to check.

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { DployError } from '../errors.js';
import { parseDatabaseUrl, type DatabaseTarget } from './dialect.js';
import { entitySchemas } from './entities.js';
import { runTransactionsOneAtATime } from './sqlite-transactions.js';

export interface Store {
  target: DatabaseTarget;
  db: DataSource;
  close(): Promise<void>;
}

export async function openStore(url: string, options: { poolSize?: number } = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  const db = new DataSource(dataSourceOptions(target, options.poolSize ?? 10));
  try {
    await db.initialize();
  } catch (err) {
    throw connectionError(target, err);
  }
  if (target.dialect === 'sqlite') runTransactionsOneAtATime(db);
  return { target, db, close: () => (db.isInitialized ? db.destroy() : Promise.resolve()) };
}

function dataSourceOptions(target: DatabaseTarget, poolSize: number): DataSourceOptions {
  const entities = entitySchemas(target.dialect);
  switch (target.dialect) {
    case 'sqlite':
      if (target.location !== ':memory:') createPrivately(target.location);
      return {
        type: 'better-sqlite3',
        database: target.location,
        entities,
        enableWAL: true,
        // Several dploy processes (serve, CLI, runner --once) share the file.
        timeout: 10_000,
        prepareDatabase: (db: { pragma(sql: string): unknown }) => {
          db.pragma('foreign_keys = ON');
          // In WAL mode NORMAL cannot corrupt the file; a power cut may lose
          // the last commits, which the next discovery or tick redoes.
          db.pragma('synchronous = NORMAL');
        },
      };
    case 'mysql':
      return {
        type: 'mysql',
        url: target.location,
        entities,
        timezone: 'Z',
        charset: 'utf8mb4_bin',
        connectTimeout: 5_000,
        poolSize,
        supportBigNumbers: true,
        bigNumberStrings: false,
        // The OCS platform writes a machine's OCS rows as one batch (platforms/ocs/machine-writer.ts);
        // every value still goes through placeholders.
        multipleStatements: true,
        // mysql2 captures a stack for every query to decorate errors; typeorm
        // wraps them in QueryFailedError with the SQL anyway, and the capture
        // costs ~3 % of dploy's CPU in a discovery storm.
        trace: false,
        // Prepared discovery batches each hold up to ~1.2 MiB of MariaDB's memory
        // (store/discovery/prepared-shapes.ts); a storm of one model needs a handful per
        // connection (one per group size), not mysql2's default of 16,000.
        extra: { maxPreparedStatements: 8 },
        ...(target.socket ? { socketPath: target.socket } : {}),
      };
    case 'postgres':
      return { type: 'postgres', url: target.location, entities, poolSize, connectTimeoutMS: 5_000 };
  }
}

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is the database server running and listening there?',
  ENOENT: "no such socket: is MariaDB running, and is that its socket (SHOW VARIABLES LIKE 'socket')?",
  EACCES: 'permission denied on the socket: run dploy as a user that may open it',
  ENOTFOUND: 'host name not found',
  ETIMEDOUT: 'connection timed out',
  ER_BAD_DB_ERROR: 'the database does not exist: create it (CREATE DATABASE …) or fix database.url',
  '3D000': 'the database does not exist: create it (createdb …) or fix database.url',
  ER_ACCESS_DENIED_ERROR: 'access denied: check the user and password in database.url',
  '28P01': 'password authentication failed: check the user and password in database.url',
  '28000': 'the server refused this user: check pg_hba.conf and database.url',
  SQLITE_CANTOPEN: 'cannot open the SQLite file: check the path and its permissions',
};

export function connectionError(target: DatabaseTarget, err: unknown): DployError {
  const code = findCode(err);
  const hint = (code && HINTS[code]) ?? (err instanceof Error ? err.message : String(err));
  return new DployError('DPLOY_ERR_DATABASE_UNREACHABLE', `cannot open database ${target.display}: ${hint}`, { cause: err });
}

function findCode(err: unknown): string | undefined {
  // mysql2 and pg wrap socket errors; AggregateError carries one per address tried.
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift() as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.code === 'string' && e.code in HINTS) return e.code;
    queue.push(e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}

/**
 * A new SQLite file is created 0600 before SQLite opens it (SQLite would use
 * 0644, and its -wal and -shm files copy the main file's mode): it holds the
 * enrollment token and the sites' inventories. An existing file keeps the
 * mode the operator gave it.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
}

// The three databases dploy runs on, told apart by the URL scheme in
// database.url: sqlite:<path> (embedded default), mysql:// or mariadb://
// (where OCS Inventory lives), postgres:// or postgresql://.

import { resolve } from 'node:path';
import { DployError } from '../errors.js';

export type Dialect = 'sqlite' | 'mysql' | 'postgres';

export interface DatabaseTarget {
  dialect: Dialect;
  /** File path for SQLite; the URL for the servers. */
  location: string;
  /** The URL with any password masked, for messages and logs. */
  display: string;
  /** MariaDB/MySQL on this host over its Unix socket (mysql://…/db?socket=/run/mysqld/mysqld.sock). */
  socket?: string;
}

export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget {
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' || scheme === 'file') {
    const path = url.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '');
    if (!path) throw urlError(url, 'sqlite: needs a file path, e.g. sqlite:./var/dploy.sqlite');
    const location = path === ':memory:' ? path : resolve(cwd, path);
    return { dialect: 'sqlite', location, display: `sqlite:${location}` };
  }
  if (scheme === 'mysql' || scheme === 'mariadb' || scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw urlError(url, 'not a valid URL');
    }
    if (!parsed.pathname || parsed.pathname === '/') throw urlError(url, 'the URL must name a database, e.g. …/dploy');
    const dialect: Dialect = scheme.startsWith('postgres') ? 'postgres' : 'mysql';
    if (scheme === 'mariadb') parsed.protocol = 'mysql:';
    // PostgreSQL URLs go to pg whole (typeorm hands it the connection string).
    const socket = dialect === 'mysql' ? mysqlSocket(url, parsed) : undefined;
    const location = parsed.toString();
    if (parsed.password) parsed.password = '***';
    return { dialect, location, display: parsed.toString(), ...(socket ? { socket } : {}) };
  }
  throw urlError(url, 'expected sqlite:<path>, mysql://…, mariadb://… or postgres://…');
}

/**
 * The one query parameter a MariaDB URL takes. typeorm drops a mysql URL's
 * query, so any other parameter would be silently ignored: refused instead.
 * The socket spares a local server the TCP stack on every statement (OCS's
 * own server connects to localhost the same way).
 */
function mysqlSocket(url: string, parsed: URL): string | undefined {
  const names = [...parsed.searchParams.keys()];
  const unknown = names.filter((name) => name !== 'socket');
  if (unknown.length > 0) throw urlError(url, `unknown parameter "${unknown[0]}" (a MariaDB/MySQL URL takes only ?socket=<path of the server's Unix socket>)`);
  const socket = parsed.searchParams.get('socket') ?? undefined;
  if (socket !== undefined && !socket.startsWith('/')) throw urlError(url, `socket= must be an absolute path, e.g. /run/mysqld/mysqld.sock`);
  parsed.search = names.length > 0 ? `?socket=${socket}` : '';
  return socket;
}

export function databaseName(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return target.location;
  return decodeURIComponent(new URL(target.location).pathname.slice(1));
}

function urlError(url: string, why: string): DployError {
  const masked = url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  return new DployError('DPLOY_ERR_DATABASE_URL', `database.url "${masked}": ${why}`);
}

/**
 * A time as a raw-SQL parameter. better-sqlite3 binds no Date objects; typeorm
 * stores SQLite datetimes as UTC text "YYYY-MM-DD HH:MM:SS.SSS", so raw
 * queries write the same form and both read back alike.
 */
export function sqlTime(dialect: Dialect, date: Date): Date | string {
  return dialect === 'sqlite' ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
}

// The discovery path's queries straight on the mysql2 connection that a
// typeorm QueryRunner holds. typeorm's QueryRunner.query() adds, per call,
// two subscriber broadcasts, a query logger call, a copy of the result and a
// promise wrapper that mysql2 builds with a require() (resolved through the
// loader hooks of tsx); a discovery group sends only two or three queries,
// so for a machine posted alone that overhead is a large part of its CPU
// (docs/discovery-writes.md). Everything else keeps typeorm; the runner
// still owns the connection and releases it. `execute` runs a statement
// prepared on that connection (mysql2 prepares it on first use and keeps
// it, see prepared-shapes.ts).

import type { QueryRunner } from 'typeorm';
import type { SqlSession } from './sql-batch.js';

/** The callback API of a mysql2 connection: all this needs of it. */
interface Mysql2Connection {
  query(sql: string, values: unknown[], callback: (err: Error | null, result: unknown) => void): void;
  execute(sql: string, values: unknown[], callback: (err: Error | null, result: unknown) => void): void;
}

/** A session on the runner's own connection (connected here); release the runner as usual. */
export async function directSession(runner: QueryRunner): Promise<SqlSession> {
  const connection = (await runner.connect()) as Mysql2Connection;
  return {
    query: (sql, params = []) =>
      new Promise((resolve, reject) => {
        connection.query(sql, params, (err, result) => (err ? reject(err) : resolve(result)));
      }),
    execute: (sql, params = []) =>
      new Promise((resolve, reject) => {
        connection.execute(sql, params, (err, result) => (err ? reject(err) : resolve(result)));
      }),
  };
}

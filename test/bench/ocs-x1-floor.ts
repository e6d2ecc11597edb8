// What one machine at a time cannot go below (ocs-ingest.bench.ts prints it
// after its x1 rounds): each part of dploy's chain timed alone and warm, one
// machine after the other, on this machine's two cores.
// - HTTP: the same client posting the same gzip bodies to a node:http server
//   that answers at once (no parsing, no database).
// - parse: gunzip and lshw parse of those bodies, in this process.
// - write path: dploy's OCS platform recording the parsed inventories
//   in-process (identity guard, OCS's rows and dploy's, one transaction).
// - MariaDB alone: the very batches that write path sent (SQL text and
//   values, caught on the connection), replayed on a fresh copy of the
//   schema over one mysql2 connection: MariaDB's work and its commit's flush,
//   nothing of dploy's.
// The sum HTTP + parse + MariaDB alone is what a server with no cost of its
// own would reach at concurrency 1 here (docs/decisions.md, OCS x1 floor).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { gunzipSync, gzipSync } from 'node:zlib';
import mysql from 'mysql2/promise';
import { parseInventory } from '../../plugin/inventory/index.js';
import type { Inventory } from '../../plugin/model/inventory.js';
import { createOcsPlatform } from '../../plugin/platforms/ocs/ocs-platform.js';
import { registerInOcs } from '../../plugin/platforms/ocs/ocs-migrate.js';
import { openStore } from '../../plugin/store/database.js';
import { migrate } from '../../plugin/store/migrate.js';
import { createPoster } from '../support/bench-poster.js';
import { createOcsScratch } from '../support/ocs/scratch.js';
import { cpuOfPrograms } from '../support/process-cpu.js';

/** Milliseconds per machine, wall clock; `mariadbMs`: mariadbd's CPU per machine. */
export interface X1Floor {
  httpMs: number;
  parseMs: number;
  writePathMs: number;
  writePathMariadbMs: number;
  mariadbAloneMs: number;
  mariadbAloneCpuMs: number;
}

/** Untimed runs before `count` timed ones: connections, JIT and MariaDB's pages warm. */
const warmupFor = (count: number): number => Math.ceil(count / 5);

/** Wall milliseconds per item of `count` runs of `step`, after `warm` untimed. */
async function perItem(count: number, step: (i: number) => unknown, warm = warmupFor(count)): Promise<{ ms: number; mariadbMs: number }> {
  for (let i = 0; i < warm; i++) await step(i);
  const mariadb = cpuOfPrograms('mariadbd');
  const started = process.hrtime.bigint();
  for (let i = warm; i < warm + count; i++) await step(i);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6 / count, mariadbMs: ((cpuOfPrograms('mariadbd') - mariadb) * 1000) / count };
}

/** A server that reads the body and answers 200 with a reply the size of dploy's, in its own process as dploy's is. */
async function bareHttpMs(bodies: Buffer[], count: number): Promise<number> {
  const script = `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(200, { 'content-type': 'application/json' }).end('{"host_id":1,"host_name":"host-0a0000000000","created":true,"changes":[],"action":"wait","poll_seconds":30,"reason":"no task"}')); });
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [port] = (await once(child.stdout!, 'data')) as [Buffer];
    const poster = createPoster(1);
    try {
      return (
        await perItem(count, async (i) => {
          const reply = await poster.post(`http://127.0.0.1:${String(port).trim()}/agent/v1/inventory`, bodies[i % bodies.length]!, {
            'content-type': 'application/xml',
            'content-encoding': 'gzip',
          });
          if (reply.status !== 200) throw new Error(`bare server answered ${reply.status}`);
        })
      ).ms;
    } finally {
      poster.close();
    }
  } finally {
    child.kill();
  }
}

interface Batch {
  sql: string;
  params: unknown[];
}

/**
 * Runs `work` while every compound batch sent on a mysql2 connection is
 * copied to the list it answers (mysql2's query and execute, wrapped on the
 * prototype the pool's connections share, then restored).
 */
async function catchingBatches(pool: unknown, work: () => Promise<void>): Promise<Batch[]> {
  const connection = await new Promise<object & { release(): void }>((resolve, reject) => {
    (pool as { getConnection(cb: (err: Error | null, c: object & { release(): void }) => void): void }).getConnection((err, c) =>
      err ? reject(err) : resolve(c),
    );
  });
  connection.release();
  let owner = Object.getPrototypeOf(connection) as Record<string, unknown> | null;
  while (owner && !Object.hasOwn(owner, 'execute')) owner = Object.getPrototypeOf(owner) as Record<string, unknown> | null;
  if (!owner || !Object.hasOwn(owner, 'query')) throw new Error('mysql2 connection: query and execute are not where this benchmark expects them');
  const batches: Batch[] = [];
  const originals = { query: owner.query as (...a: unknown[]) => unknown, execute: owner.execute as (...a: unknown[]) => unknown };
  for (const method of ['query', 'execute'] as const) {
    owner[method] = function (this: unknown, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].startsWith('BEGIN NOT ATOMIC')) batches.push({ sql: args[0], params: args[1] as unknown[] });
      return originals[method].apply(this, args);
    };
  }
  try {
    await work();
  } finally {
    Object.assign(owner, originals);
  }
  return batches;
}

/** `document(i)`: machine i's lshw, each with its own identity (count plus the warm-up are asked for). */
export async function measureX1Floor(document: (i: number) => string, count: number): Promise<X1Floor> {
  const bodies = Array.from({ length: warmupFor(count) + count }, (_, i) => Buffer.from(document(i)));
  const gzipped = bodies.map((b) => gzipSync(b));
  const httpMs = await bareHttpMs(gzipped, count);
  const inventories: Inventory[] = [];
  const parse = await perItem(count, (i) => {
    inventories[i] = parseInventory(gunzipSync(gzipped[i]!), 'xml');
  });

  const source = await createOcsScratch();
  const replay = await createOcsScratch();
  try {
    for (const scratch of [source, replay]) {
      const store = await openStore(scratch.url);
      await migrate(store.db, 'mysql');
      await registerInOcs(store.db.manager);
      await store.close();
    }
    const store = await openStore(source.url);
    let writePath = { ms: 0, mariadbMs: 0 };
    let batches: Batch[];
    try {
      const platform = createOcsPlatform(store);
      batches = await catchingBatches((store.db.driver as unknown as { pool: unknown }).pool, async () => {
        writePath = await perItem(count, async (i) => {
          await platform.recordInventory(inventories[i]!, { format: 'xml', body: bodies[i]!, gzip: gzipped[i]!, remoteAddress: '127.0.0.1' });
        });
      });
    } finally {
      await store.close();
    }
    // One batch more than machines, or a few: a batch whose guard found a host name taken wrote nothing and was planned again.
    if (batches.length < bodies.length) throw new Error(`caught ${batches.length} batches for ${bodies.length} machines`);
    const connection = await mysql.createConnection({ uri: replay.url });
    let alone: { ms: number; mariadbMs: number };
    try {
      alone = await perItem(
        count,
        async (i) => {
          const { sql, params } = batches[i]!;
          await connection.execute(sql, params as never);
        },
        batches.length - count,
      );
    } finally {
      await connection.end();
    }
    const computers = async (scratch: typeof source) => Number((await scratch.sql<{ n: number }>('SELECT COUNT(*) AS n FROM hardware'))[0]!.n);
    const [written, replayed] = [await computers(source), await computers(replay)];
    if (replayed !== written) throw new Error(`the replay wrote ${replayed} OCS computers where dploy wrote ${written}`);
    return {
      httpMs,
      parseMs: parse.ms,
      writePathMs: writePath.ms,
      writePathMariadbMs: writePath.mariadbMs,
      mariadbAloneMs: alone.ms,
      mariadbAloneCpuMs: alone.mariadbMs,
    };
  } finally {
    await source.drop();
    await replay.drop();
  }
}

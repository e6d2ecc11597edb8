// End-to-end discovery ingestion: real `dploy serve` processes (one per
// database) take gzip-compressed lshw posts over HTTP from 1 and 8
// concurrent clients. Documents are this machine's real `lshw -xml`, with the
// NIC MAC changed per machine so every post is a new machine (then a second
// round re-posts them: the update path). MariaDB runs twice: over TCP and
// over its Unix socket (database.url ?socket=). Prints inventories/s and the
// server's peak RSS (VmHWM).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStore } from '../../plugin/store/database.js';
import { migrate } from '../../plugin/store/migrate.js';
import { enrollmentToken } from '../../plugin/store/settings.js';
import type { Dialect } from '../../plugin/store/dialect.js';
import { createTestDatabase, mariadbSocket } from '../support/databases.js';
import { startServe } from '../support/serve.js';
import { createPoster } from '../support/bench-poster.js';

const MACHINES = Number(process.env.BENCH_MACHINES ?? 2000);
const lshw = execFileSync('lshw', ['-xml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const macs = [...lshw.matchAll(/<serial>((?:[0-9a-f]{2}:){5}[0-9a-f]{2})<\/serial>/g)].map((m) => m[1]!);
if (macs.length === 0) throw new Error("this machine's lshw shows no NIC MAC");

function documentFor(i: number): Buffer {
  let doc = lshw;
  macs.forEach((mac, n) => {
    const fresh = (0x020000000000 + i * 16 + n).toString(16).padStart(12, '0').match(/../g)!.join(':');
    doc = doc.split(mac).join(fresh);
  });
  return gzipSync(
    doc.replace(/<node id="[^"]*" claimed="true" class="system"[^>]*>/, (m) => m).replace(/(<description>)Computer(<\/description>)/, `$1Computer ${i}$2`),
  );
}

let lastOutput = () => '';

async function round(url: string, token: string, bodies: Buffer[], concurrency: number): Promise<number> {
  let next = 0;
  const poster = createPoster(concurrency);
  const started = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const response = await poster.post(`${url}/agent/v1/inventory`, body, {
            'content-type': 'application/xml',
            'content-encoding': 'gzip',
            'x-dploy-token': token,
          });
          if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.body.toString('utf8')}\n${lastOutput()}`);
        }
      }),
    );
    return bodies.length / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    poster.close();
  }
}

function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const rows: string[] = [];
// BENCH_DIALECTS=sqlite,mysql,mysql-socket,postgres (the default) picks rows.
const TARGETS = ['sqlite', 'mysql', 'mysql-socket', 'postgres'] as const;
const targets = process.env.BENCH_DIALECTS ? process.env.BENCH_DIALECTS.split(',') : [...TARGETS];
for (const target of targets) {
  if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`BENCH_DIALECTS: unknown "${target}" (${TARGETS.join(', ')})`);
  const dialect = target.replace('-socket', '') as Dialect;
  for (const concurrency of (process.env.BENCH_CONCURRENCY ?? '1,8').split(',').map(Number)) {
    const database = await createTestDatabase(dialect);
    const url = target === 'mysql-socket' ? `${database.url}?socket=${await mariadbSocket()}` : database.url;
    const raw = await openStore(database.url);
    await migrate(raw.db, dialect);
    const token = await enrollmentToken(raw.db.manager);
    await raw.close();
    const serve = await startServe({
      cwd: mkdtempSync(join(tmpdir(), 'dploy-bench-')),
      env: { DPLOY_DATABASE_URL: url, DPLOY_LOG_LEVEL: 'warn', DPLOY_RUNNER_ENABLED: 'false' },
    });
    lastOutput = () =>
      serve
        .output()
        .split('\n')
        .filter((l) => /"level":(40|50)/.test(l))
        .slice(-3)
        .join('\n');
    try {
      const bodies = Array.from({ length: MACHINES }, (_, i) => documentFor(i));
      process.stderr.write(`${target} x${concurrency} …\n`);
      const created = await round(serve.url, token, bodies, concurrency);
      const updated = await round(serve.url, token, bodies, concurrency);
      rows.push(
        `${target.padEnd(12)} ${String(concurrency).padStart(11)} ${created.toFixed(0).padStart(12)} ${updated.toFixed(0).padStart(12)} ${peakRssMb(serve.child.pid!).toFixed(0).padStart(12)}`,
      );
    } finally {
      await serve.stop();
      await database.drop();
    }
  }
}
console.log(`\ninventory ingestion over HTTP: ${MACHINES} machines, this machine's lshw (${(lshw.length / 1024).toFixed(0)} KiB, gzip), new then re-posted`);
console.log('database     concurrency  new inv/s    update inv/s  server RSS MB');
for (const row of rows) console.log(row);

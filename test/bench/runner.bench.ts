// The runner at site scale, on each database:
//  - one intake tick over 10,000 machines that all have a pending task
//    (tasks read, active jobs diffed, 10,000 jobs opened): time and peak RSS;
//  - jobs completed per second by 1 and by 3 runner processes.
// Each measurement runs in its own process so its peak RSS is its own.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../plugin/store/database.js';
import { migrate } from '../../plugin/store/migrate.js';
import { createPlatform } from '../../plugin/platforms/index.js';
import { jobKinds } from '../../plugin/jobs/kinds/index.js';
import { runnerTick } from '../../plugin/jobs/runner.js';
import type { Dialect } from '../../plugin/store/dialect.js';
import { DPLOY_BIN, cleanEnv } from '../support/cli.js';
import { createTestDatabase, DIALECTS } from '../support/databases.js';
import { seedHostsWithTask } from '../support/seed.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const THROUGHPUT_JOBS = Number(process.env.BENCH_JOBS ?? 3_000);
const quiet = { info() {}, warn() {}, error() {} };

async function intakeTick(url: string, dialect: Dialect): Promise<{ ms: number; created: number; rssMb: number }> {
  const store = await openStore(url);
  try {
    const platform = createPlatform('standalone', store);
    const started = process.hrtime.bigint();
    const report = await runnerTick({
      db: store.db,
      dialect,
      platform,
      kinds: jobKinds({ bootSeconds: 1200, installSeconds: 7200 }),
      owner: 'bench:1',
      leaseSeconds: 60,
      batchSize: 100,
      maxAttempts: 3,
      budgetMs: 0,
      log: quiet,
    });
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, created: report.created, rssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await store.close();
  }
}

async function throughput(url: string, dialect: Dialect, runners: number): Promise<number> {
  const store = await openStore(url);
  await store.db.query('DELETE FROM dploy_jobs');
  await store.db.query('DELETE FROM dploy_hosts');
  await seedHostsWithTask(store, THROUGHPUT_JOBS, 'localboot');
  await store.close();
  const env = { ...cleanEnv(), DPLOY_DATABASE_URL: url, DPLOY_RUNNER_BATCH_SIZE: '50' };
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-bench-'));
  const started = Date.now();
  await Promise.all(
    Array.from(
      { length: runners },
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [DPLOY_BIN, 'runner', '--once'], { cwd, env, stdio: 'ignore' });
          child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runner exited ${code}`))));
        }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  const check = await openStore(url);
  const done = Number((await check.db.query(`SELECT COUNT(*) AS n FROM dploy_jobs WHERE state = 'done'`))[0].n);
  await check.close();
  if (done !== THROUGHPUT_JOBS) throw new Error(`${dialect}: ${done} of ${THROUGHPUT_JOBS} jobs done`);
  void dialect;
  return THROUGHPUT_JOBS / seconds;
}

const [mode, dialectArg, url] = process.argv.slice(2);
if (mode === 'intake') {
  process.stdout.write(JSON.stringify(await intakeTick(url!, dialectArg as Dialect)) + '\n');
} else {
  const dialects = process.env.BENCH_DIALECTS ? (process.env.BENCH_DIALECTS.split(',') as Dialect[]) : DIALECTS;
  const rows: string[] = [];
  for (const dialect of dialects) {
    const database = await createTestDatabase(dialect);
    try {
      const store = await openStore(database.url);
      await migrate(store.db, dialect);
      await seedHostsWithTask(store, HOSTS, 'localboot');
      await store.close();
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'intake', dialect, database.url], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      const intake = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number; created: number; rssMb: number };
      if (intake.created !== HOSTS) throw new Error(`${dialect}: intake opened ${intake.created} jobs, expected ${HOSTS}`);
      const one = await throughput(database.url, dialect, 1);
      const three = await throughput(database.url, dialect, 3);
      rows.push(
        `${dialect.padEnd(9)} ${intake.ms.toFixed(0).padStart(14)} ${intake.rssMb.toFixed(0).padStart(12)} ${one.toFixed(0).padStart(14)} ${three.toFixed(0).padStart(15)}`,
      );
    } finally {
      await database.drop();
    }
  }
  console.log(`\nrunner: intake tick over ${HOSTS} machines with ${HOSTS} pending tasks; ${THROUGHPUT_JOBS} localboot jobs run by 1 and 3 runner processes`);
  console.log('database  intake tick ms  peak RSS MB  jobs/s 1 runner  jobs/s 3 runners');
  for (const row of rows) console.log(row);
}

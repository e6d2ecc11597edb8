// Upserting 10,000 hosts with 2 MACs each, one transaction per host (as each
// discovery is), into SQLite, MariaDB and PostgreSQL: hosts/s and peak RSS.
// Each database runs in its own child process so its peak RSS is its own.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { upsertHost } from '../../plugin/store/hosts.js';
import type { Dialect } from '../../plugin/store/dialect.js';
import { openTestStore, DIALECTS } from '../support/databases.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);

interface Result {
  dialect: Dialect;
  insertPerSec: number;
  updatePerSec: number;
  peakRssMb: number;
}

function mac(i: number, nic: number): string {
  const hex = (0x525400000000 + i * 2 + nic).toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

async function measure(dialect: Dialect): Promise<Result> {
  const { store, dispose } = await openTestStore(dialect);
  try {
    const pass = async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < HOSTS; i++) {
        await store.db.transaction((tx) => upsertHost(tx, { name: `node${i}`, macs: [mac(i, 0), mac(i, 1)], serial: `SN${i}` }));
      }
      return HOSTS / (Number(process.hrtime.bigint() - t0) / 1e9);
    };
    const insertPerSec = await pass();
    const updatePerSec = await pass();
    const count: Array<{ n: number | string }> = await store.db.query('SELECT COUNT(*) AS n FROM dploy_hosts');
    if (Number(count[0]!.n) !== HOSTS) throw new Error(`expected ${HOSTS} hosts, found ${count[0]!.n}`);
    return { dialect, insertPerSec, updatePerSec, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await dispose();
  }
}

const only = process.argv[2] as Dialect | undefined;
if (only) {
  process.stdout.write(JSON.stringify(await measure(only)) + '\n');
} else {
  const results: Result[] = DIALECTS.map((dialect) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dialect], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${dialect} run failed:\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop()!) as Result;
  });
  console.log(`\nhosts upsert: ${HOSTS} hosts x 2 MACs, one transaction per host`);
  console.log('database   insert hosts/s   update hosts/s   peak RSS MB');
  for (const r of results) {
    console.log(
      `${r.dialect.padEnd(10)} ${r.insertPerSec.toFixed(0).padStart(14)}   ${r.updatePerSec.toFixed(0).padStart(14)}   ${r.peakRssMb.toFixed(0).padStart(11)}`,
    );
  }
}

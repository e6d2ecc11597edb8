// Discovered machines into OCS: dploy (`dploy serve`, platform ocs, lshw
// posted over HTTP, written to OCS's tables and its own in one transaction)
// against OCS's own communication server (Apache + mod_perl, the real
// ocsinventory-server) taking the equivalent hardware-only inventory, built
// from the same rows dploy writes. Same MariaDB, same machine, same run; 1
// and 8 concurrent clients; prints machines/s and the ratio. OCS is given
// its easiest path: one INVENTORY post per machine, no PROLOG round trip.
// Both get the same keep-alive client (test/support/bench-poster.ts).
// dploy runs twice: over TCP, as the OCS server here reaches MariaDB, and over
// MariaDB's Unix socket (database.url ?socket=), as a site on one host would.
// Each server first takes BENCH_OCS_WARMUP machines that are not timed: a
// production server is warm, and a dploy process started for the phase spent
// a tenth of its CPU compiling (V8's optimizing compiler threads, perf,
// docs/benchmarks.md) where Apache's mod_perl children had long been loaded.
// Then the CPU milliseconds each machine cost the server, MariaDB and the
// load generator, read from /proc around the timed part. BENCH_OCS_MACHINES
// (2000), BENCH_OCS_WARMUP (3000), BENCH_OCS_CONCURRENCY (1,8).

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseInventory } from '../../plugin/inventory/index.js';
import { deviceId, machineRows } from '../../plugin/platforms/ocs/machine-rows.js';
import { openStore } from '../../plugin/store/database.js';
import { migrate } from '../../plugin/store/migrate.js';
import { enrollmentToken } from '../../plugin/store/settings.js';
import { registerInOcs } from '../../plugin/platforms/ocs/ocs-migrate.js';
import { createOcsScratch } from '../support/ocs/scratch.js';
import { mariadbSocket } from '../support/databases.js';
import { ocsInventoryXml } from '../support/ocs/ocs-xml.js';
import { compressRequest, postCompressed } from '../support/ocs/comm-server.js';
import { resetComputers } from '../support/ocs/db.js';
import { startServe } from '../support/serve.js';
import { createPoster } from '../support/bench-poster.js';
import { withMachineIdentity } from '../support/lshw-identity.js';
import { cpuOfPrograms, cpuOfPid, ownCpu } from '../support/process-cpu.js';

const MACHINES = Number(process.env.BENCH_OCS_MACHINES ?? 2000);
const WARMUP = Number(process.env.BENCH_OCS_WARMUP ?? 3000);
const lshw = execFileSync('lshw', ['-xml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const macs = [...lshw.matchAll(/<serial>((?:[0-9a-f]{2}:){5}[0-9a-f]{2})<\/serial>/g)].map((m) => m[1]!);
if (macs.length === 0) throw new Error("this machine's lshw shows no NIC MAC");

/** Machine i of a run: this machine's document with its own MACs, SMBIOS serial and UUID (test/support/lshw-identity.ts says why). */
function lshwFor(run: number, i: number): string {
  const id = run * 0x1000000 + i;
  let doc = withMachineIdentity(lshw, `DPLOY-BENCH-${id.toString(16)}`, `6f1c2a9e-0000-4000-8000-${id.toString(16).padStart(12, '0')}`);
  macs.forEach((mac, n) => {
    const fresh = (0x0a0000000000 + run * 0x1000000 + i * 16 + n).toString(16).padStart(12, '0').match(/../g)!.join(':');
    doc = doc.split(mac).join(fresh);
  });
  return doc;
}

/** Machines/s, and the CPU milliseconds each machine cost the server, MariaDB and the load generator. */
interface Rate { perSecond: number; serverMs: number; mariadbMs: number; clientMs: number }

/** Machines 0 … count-1 through `work`, `concurrency` at a time. */
async function drive(count: number, concurrency: number, work: (i: number) => Promise<void>, first = 0): Promise<void> {
  let next = first;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < first + count) await work(next++);
  }));
}

/** The warm-up machines (not timed), then MACHINES timed ones: machine i is the i-th of work's. */
async function pool(count: number, concurrency: number, serverCpu: () => number, work: (i: number) => Promise<void>): Promise<Rate> {
  await drive(WARMUP, concurrency, work);
  const before = { server: serverCpu(), mariadb: cpuOfPrograms('mariadbd'), client: ownCpu() };
  const started = process.hrtime.bigint();
  await drive(count, concurrency, work, WARMUP);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perMachine = (cpu: number) => (cpu * 1000) / count;
  return {
    perSecond: count / seconds,
    serverMs: perMachine(serverCpu() - before.server),
    mariadbMs: perMachine(cpuOfPrograms('mariadbd') - before.mariadb),
    clientMs: perMachine(ownCpu() - before.client),
  };
}

async function dployRate(run: number, concurrency: number, socket?: string): Promise<Rate> {
  const scratch = await createOcsScratch();
  const store = await openStore(scratch.url);
  await migrate(store.db, 'mysql');
  await registerInOcs(store.db.manager);
  const token = await enrollmentToken(store.db.manager);
  await store.close();
  const serve = await startServe({ cwd: mkdtempSync(join(tmpdir(), 'dploy-bench-ocs-')), env: { DPLOY_PLATFORM: 'ocs', DPLOY_DATABASE_URL: socket ? `${scratch.url}?socket=${socket}` : scratch.url, DPLOY_LOG_LEVEL: 'warn', DPLOY_RUNNER_ENABLED: 'false', DPLOY_TFTP_ENABLED: 'false' } });
  try {
    const bodies = Array.from({ length: WARMUP + MACHINES }, (_, i) => gzipSync(lshwFor(run, i)));
    const poster = createPoster(concurrency);
    const rate = await pool(MACHINES, concurrency, () => cpuOfPid(serve.child.pid!), async (i) => {
      const r = await poster.post(`${serve.url}/agent/v1/inventory`, bodies[i]!, { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': token });
      if (r.status !== 200) throw new Error(`dploy answered HTTP ${r.status}: ${r.body.toString('utf8')}`);
    }).finally(() => poster.close());
    const [{ n }] = await scratch.sql<{ n: number }>('SELECT COUNT(*) AS n FROM hardware') as [{ n: number }];
    if (Number(n) !== WARMUP + MACHINES) throw new Error(`dploy wrote ${n} OCS computers for ${WARMUP + MACHINES} machines`);
    return rate;
  } finally {
    await serve.stop();
    await scratch.drop();
  }
}

async function ocsRate(run: number, concurrency: number): Promise<Rate> {
  const prefix = `dploy-bench-${run}-`;
  const documents = Array.from({ length: WARMUP + MACHINES }, (_, i) => {
    const name = `${prefix}${i}`;
    // Compressed before timing, as dploy's bodies are: a machine compresses its own post.
    return compressRequest(ocsInventoryXml(deviceId(name, new Date()), machineRows(parseInventory(Buffer.from(lshwFor(run, i)), 'xml'), name, 'agent')));
  });
  await resetComputers(prefix);
  const poster = createPoster(concurrency);
  try {
    return await pool(MACHINES, concurrency, () => cpuOfPrograms('apache2'), async (i) => {
      const reply = await postCompressed(documents[i]!, poster.post);
      if (reply.status !== 200 || !reply.xml.includes('NO_ACCOUNT_UPDATE')) throw new Error(`OCS refused the inventory: HTTP ${reply.status} ${reply.xml}`);
    });
  } finally {
    poster.close();
    await resetComputers(prefix);
  }
}

const rows: string[] = [];
const cpu: string[] = [];
const socket = await mariadbSocket();
const cpuRow = (who: string, concurrency: number, r: Rate) =>
  `${who.padEnd(13)} ${String(concurrency).padStart(3)} ${r.serverMs.toFixed(2).padStart(9)} ${r.mariadbMs.toFixed(2).padStart(9)} ${r.clientMs.toFixed(2).padStart(9)} ${(r.serverMs + r.mariadbMs + r.clientMs).toFixed(2).padStart(9)}`;
let run = 1;
for (const concurrency of (process.env.BENCH_OCS_CONCURRENCY ?? '1,8').split(',').map(Number)) {
  process.stderr.write(`OCS server x${concurrency} …\n`);
  const ocs = await ocsRate(run++, concurrency);
  process.stderr.write(`dploy x${concurrency} …\n`);
  const tcp = await dployRate(run++, concurrency);
  process.stderr.write(`dploy over the socket x${concurrency} …\n`);
  const unix = await dployRate(run++, concurrency, socket);
  const ratio = (r: Rate) => `${(r.perSecond / ocs.perSecond).toFixed(1).padStart(6)}x`;
  rows.push(`${String(concurrency).padStart(11)} ${ocs.perSecond.toFixed(0).padStart(14)} ${tcp.perSecond.toFixed(0).padStart(11)} ${ratio(tcp)} ${unix.perSecond.toFixed(0).padStart(14)} ${ratio(unix)}`);
  cpu.push(cpuRow('OCS server', concurrency, ocs), cpuRow('dploy TCP', concurrency, tcp), cpuRow('dploy socket', concurrency, unix));
}
console.log(`\ndiscovered machines into OCS (GUI_VERSION 7069): ${MACHINES} new machines after ${WARMUP} not timed, this machine's lshw (${(lshw.length / 1024).toFixed(0)} KiB) with its own MACs, serial and UUID per machine`);
console.log('concurrency  OCS server/s  dploy TCP/s   ratio  dploy socket/s   ratio');
for (const row of rows) console.log(row);
console.log('\nCPU ms per machine (server: apache2 for OCS, the dploy process; MariaDB: mariadbd; client: this load generator)');
console.log('who             x    server   MariaDB    client     total');
for (const row of cpu) console.log(row);

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
// docs/benchmarks-history.md) where Apache's mod_perl children had long been loaded.
// Then the CPU milliseconds each machine cost the server, MariaDB and the
// load generator, read from /proc around each timed block.
// The three servers (OCS, dploy over TCP, dploy over the socket) are timed in
// interleaved blocks, BENCH_OCS_ROUNDS rounds of one block each in turn (the
// order rotating): this VM's speed swings by up to 2x within minutes, and
// phases run one after the other compared a server in a fast stretch with one
// in a slow stretch (docs/benchmarks-history.md, 2026-12-05). A ratio is taken per
// round, between blocks run a minute apart at most, and its median printed;
// each block starts once MariaDB is quiet, so no server is timed with the
// purge and flushing the previous block left, and after a fifth of a block
// untimed, so that its connections, caches and MariaDB's pages for it are
// warm again after the other servers' blocks.
// After the x1 rounds it times each part of dploy's x1 chain alone and prints
// the best case they allow (ocs-x1-floor.ts): what one machine at a time cannot
// go below on this machine.
// BENCH_OCS_MACHINES (3000 timed per server), BENCH_OCS_WARMUP (3000),
// BENCH_OCS_ROUNDS (6), BENCH_OCS_CONCURRENCY (1,8), BENCH_OCS_FLOOR_MACHINES
// (1500; 0 skips the x1 floor, ocs-x1-floor.ts).

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
import { measureX1Floor, type X1Floor } from './ocs-x1-floor.js';

const MACHINES = Number(process.env.BENCH_OCS_MACHINES ?? 3000);
const WARMUP = Number(process.env.BENCH_OCS_WARMUP ?? 3000);
const ROUNDS = Number(process.env.BENCH_OCS_ROUNDS ?? 6);
/** Timed machines per block. */
const BLOCK = Math.ceil(MACHINES / ROUNDS);
/** Untimed machines before each block: the server's connections and caches, and MariaDB's pages for it, warm again after the other servers' blocks. */
const BLOCK_WARMUP = Math.ceil(BLOCK / 5);
const FLOOR_MACHINES = Number(process.env.BENCH_OCS_FLOOR_MACHINES ?? 1500);
/** Every machine a server is sent. */
const TOTAL = WARMUP + ROUNDS * (BLOCK_WARMUP + BLOCK);
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

/** Machines/s of one block, and the CPU milliseconds each machine cost the server, MariaDB and the load generator. */
interface Rate {
  perSecond: number;
  serverMs: number;
  mariadbMs: number;
  clientMs: number;
}

/** A server under test: posts machine i, reads its own CPU seconds, and goes away. */
interface Server {
  post(i: number): Promise<void>;
  cpu(): number;
  close(): Promise<void>;
}

/** Machines first … first+count-1 through `server`, `concurrency` at a time. */
async function drive(server: Server, first: number, count: number, concurrency: number): Promise<void> {
  let next = first;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < first + count) await server.post(next++);
    }),
  );
}

/**
 * Waits until MariaDB is quiet (under a tenth of a core for a quarter of a
 * second, 15 s at most): InnoDB purges and flushes after a block of writes,
 * and that work must not be timed against the next server's block. OCS's
 * server leaves far more of it (~5 ms of MariaDB CPU per machine).
 */
async function quietDatabase(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const before = cpuOfPrograms('mariadbd');
    await new Promise((r) => setTimeout(r, 250));
    if (cpuOfPrograms('mariadbd') - before < 0.025) return;
  }
}

async function timedBlock(server: Server, first: number, count: number, concurrency: number): Promise<Rate> {
  await quietDatabase();
  await drive(server, first, BLOCK_WARMUP, concurrency);
  first += BLOCK_WARMUP;
  const before = { server: server.cpu(), mariadb: cpuOfPrograms('mariadbd'), client: ownCpu() };
  const started = process.hrtime.bigint();
  await drive(server, first, count, concurrency);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perMachine = (cpu: number) => (cpu * 1000) / count;
  return {
    perSecond: count / seconds,
    serverMs: perMachine(server.cpu() - before.server),
    mariadbMs: perMachine(cpuOfPrograms('mariadbd') - before.mariadb),
    clientMs: perMachine(ownCpu() - before.client),
  };
}

async function dployServer(run: number, concurrency: number, socket?: string): Promise<Server> {
  const scratch = await createOcsScratch();
  const store = await openStore(scratch.url);
  await migrate(store.db, 'mysql');
  await registerInOcs(store.db.manager);
  const token = await enrollmentToken(store.db.manager);
  await store.close();
  const serve = await startServe({
    cwd: mkdtempSync(join(tmpdir(), 'dploy-bench-ocs-')),
    env: {
      DPLOY_PLATFORM: 'ocs',
      DPLOY_DATABASE_URL: socket ? `${scratch.url}?socket=${socket}` : scratch.url,
      DPLOY_LOG_LEVEL: 'warn',
      DPLOY_RUNNER_ENABLED: 'false',
      DPLOY_TFTP_ENABLED: 'false',
    },
  });
  const bodies = Array.from({ length: TOTAL }, (_, i) => gzipSync(lshwFor(run, i)));
  const poster = createPoster(concurrency);
  return {
    async post(i) {
      const r = await poster.post(`${serve.url}/agent/v1/inventory`, bodies[i]!, {
        'content-type': 'application/xml',
        'content-encoding': 'gzip',
        'x-dploy-token': token,
      });
      if (r.status !== 200) throw new Error(`dploy answered HTTP ${r.status}: ${r.body.toString('utf8')}`);
    },
    cpu: () => cpuOfPid(serve.child.pid!),
    async close() {
      poster.close();
      try {
        const [{ n }] = (await scratch.sql<{ n: number }>('SELECT COUNT(*) AS n FROM hardware')) as [{ n: number }];
        if (Number(n) !== TOTAL) throw new Error(`dploy wrote ${n} OCS computers for ${TOTAL} machines`);
      } finally {
        await serve.stop();
        await scratch.drop();
      }
    },
  };
}

async function ocsServer(run: number, concurrency: number): Promise<Server> {
  const prefix = `dploy-bench-${run}-`;
  const documents = Array.from({ length: TOTAL }, (_, i) => {
    const name = `${prefix}${i}`;
    // Compressed before timing, as dploy's bodies are: a machine compresses its own post.
    return compressRequest(ocsInventoryXml(deviceId(name, new Date()), machineRows(parseInventory(Buffer.from(lshwFor(run, i)), 'xml'), name, 'agent')));
  });
  await resetComputers(prefix);
  const poster = createPoster(concurrency);
  return {
    async post(i) {
      const reply = await postCompressed(documents[i]!, poster.post);
      if (reply.status !== 200 || !reply.xml.includes('NO_ACCOUNT_UPDATE')) throw new Error(`OCS refused the inventory: HTTP ${reply.status} ${reply.xml}`);
    },
    cpu: () => cpuOfPrograms('apache2'),
    async close() {
      poster.close();
      await resetComputers(prefix);
    },
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
/** CPU per machine over all of a server's blocks (each block has the same number of machines). */
const meanOf = (rates: Rate[], key: 'serverMs' | 'mariadbMs' | 'clientMs') => rates.reduce((sum, r) => sum + r[key], 0) / rates.length;

const rows: string[] = [];
const cpu: string[] = [];
const socket = await mariadbSocket();
const cpuRow = (who: string, concurrency: number, rates: Rate[]) => {
  const [server, mariadb, client] = (['serverMs', 'mariadbMs', 'clientMs'] as const).map((k) => meanOf(rates, k));
  return `${who.padEnd(13)} ${String(concurrency).padStart(3)} ${server!.toFixed(2).padStart(9)} ${mariadb!.toFixed(2).padStart(9)} ${client!.toFixed(2).padStart(9)} ${(server! + mariadb! + client!).toFixed(2).padStart(9)}`;
};
let run = 1;
let ocsX1: { perSecond: number; dploy: number } | undefined;
for (const concurrency of (process.env.BENCH_OCS_CONCURRENCY ?? '1,8').split(',').map(Number)) {
  process.stderr.write(`x${concurrency}: starting OCS's server phase, dploy over TCP and over the socket …\n`);
  const servers: Server[] = [];
  try {
    // One at a time, so that those already up are closed if the next fails to start.
    servers.push(await ocsServer(run++, concurrency));
    servers.push(await dployServer(run++, concurrency));
    servers.push(await dployServer(run++, concurrency, socket));
    for (const server of servers) await drive(server, 0, WARMUP, concurrency);
    const rates: Rate[][] = servers.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < servers.length; k++) {
        const s = (round + k) % servers.length;
        rates[s]!.push(await timedBlock(servers[s]!, WARMUP + round * (BLOCK_WARMUP + BLOCK), BLOCK, concurrency));
      }
      process.stderr.write(
        `x${concurrency} round ${round + 1}/${ROUNDS}: ${rates.map((r) => r.at(-1)!.perSecond.toFixed(0)).join(' / ')} machines/s (OCS / dploy TCP / socket)\n`,
      );
    }
    const [ocs, tcp, unix] = rates as [Rate[], Rate[], Rate[]];
    const rate = (r: Rate[]) => median(r.map((x) => x.perSecond));
    const ratio = (r: Rate[]) =>
      `${median(r.map((x, round) => x.perSecond / ocs[round]!.perSecond))
        .toFixed(1)
        .padStart(6)}x`;
    rows.push(
      `${String(concurrency).padStart(11)} ${rate(ocs).toFixed(0).padStart(14)} ${rate(tcp).toFixed(0).padStart(11)} ${ratio(tcp)} ${rate(unix).toFixed(0).padStart(14)} ${ratio(unix)}`,
    );
    cpu.push(cpuRow('OCS server', concurrency, ocs), cpuRow('dploy TCP', concurrency, tcp), cpuRow('dploy socket', concurrency, unix));
    if (concurrency === 1) ocsX1 = { perSecond: rate(ocs), dploy: rate(tcp) };
  } finally {
    for (const server of servers) await server.close();
  }
}
let floor: X1Floor | undefined;
if (ocsX1 && FLOOR_MACHINES > 0) {
  process.stderr.write('x1 floor: each part of the chain alone …\n');
  const floorRun = run++;
  floor = await measureX1Floor((i) => lshwFor(floorRun, i), FLOOR_MACHINES);
}
console.log(
  `\ndiscovered machines into OCS (GUI_VERSION 7069): ${ROUNDS * BLOCK} new machines per server after ${WARMUP} not timed, in ${ROUNDS} interleaved rounds (each block after ${BLOCK_WARMUP} untimed); this machine's lshw (${(lshw.length / 1024).toFixed(0)} KiB) with its own MACs, serial and UUID per machine`,
);
console.log("machines/s: median of the rounds; ratio: median of the rounds' ratios (each round times every server)");
console.log('concurrency  OCS server/s  dploy TCP/s   ratio  dploy socket/s   ratio');
for (const row of rows) console.log(row);
console.log('\nCPU ms per machine (server: apache2 for OCS, the dploy process; MariaDB: mariadbd; client: this load generator)');
console.log('who             x    server   MariaDB    client     total');
for (const row of cpu) console.log(row);
if (floor && ocsX1) {
  const { httpMs, parseMs, writePathMs, writePathMariadbMs, mariadbAloneMs, mariadbAloneCpuMs } = floor;
  const line = (what: string, ms: number, note = '') => console.log(`${what.padEnd(52)} ${ms.toFixed(3).padStart(6)} ms${note}`);
  const best = (ms: number) => `  -> ${(1000 / ms).toFixed(0)}/s, ${(1000 / ms / ocsX1!.perSecond).toFixed(1)}x OCS's x1 (${ocsX1!.perSecond.toFixed(0)}/s)`;
  console.log(
    `\nx1 floor: each part alone, warm, one machine after the other (${FLOOR_MACHINES} machines); dploy's whole chain above: ${(1000 / ocsX1.dploy).toFixed(3)} ms`,
  );
  line('HTTP exchange (a server that answers at once)', httpMs);
  line('gunzip + lshw parse', parseMs);
  line("dploy's write path in-process (guard, rows, commit)", writePathMs, ` (MariaDB CPU ${writePathMariadbMs.toFixed(3)} ms)`);
  line("MariaDB alone, replaying that path's batches", mariadbAloneMs, ` (MariaDB CPU ${mariadbAloneCpuMs.toFixed(3)} ms)`);
  line('HTTP + parse + MariaDB alone: no cost of our own', httpMs + parseMs + mariadbAloneMs, best(httpMs + parseMs + mariadbAloneMs));
  line("HTTP + parse + dploy's write path", httpMs + parseMs + writePathMs, best(httpMs + parseMs + writePathMs));
}

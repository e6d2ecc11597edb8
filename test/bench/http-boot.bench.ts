// The HTTP boot and mirror path (issue 26), dploy beside Debian's nginx
// (sendfile on, a worker per core) serving the same files in the same run,
// rounds interleaved and their order alternated:
// 1. a boot storm: BENCH_HTTP_BIG_CLIENTS (50) clients fetch a
//    BENCH_HTTP_BIG_MIB (32) MiB initrd from /boot/files, BENCH_HTTP_BIG_REQUESTS (100) in all;
// 2. an install tree's package pool: BENCH_HTTP_CLIENTS (8) keep-alive clients
//    fetch BENCH_HTTP_FILES (5,000) files of 50-500 KB from /mirror, each once.
// Prints MB/s, requests/s and server CPU seconds per GB (utime+stime from
// /proc, nginx's master and workers, dploy's whole process) and dploy/nginx.
// All along, a PXE client fetches its boot config from dploy over TFTP every
// 20 ms; its p99 is printed for dploy's rounds and nginx's (target < 20 ms).
// Logging is each server's default: nginx's access log, dploy's info log.
// BENCH_HTTP_ROUNDS (3) rounds.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServe, type ServeProcess } from '../support/serve.js';
import { freeUdpPort, requireTool } from '../integration/tftp/tftp-tools.js';
import { percentile, sample, tftpFetch } from '../support/pxe-load.js';
import { fetchAll, startNginx, type ClientRun, type Nginx } from '../support/http-load.js';
import { cpuOfPidAndChildren } from '../support/process-cpu.js';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const BIG_MIB = Number(process.env.BENCH_HTTP_BIG_MIB ?? 32);
const BIG_CLIENTS = Number(process.env.BENCH_HTTP_BIG_CLIENTS ?? 50);
const BIG_REQUESTS = Number(process.env.BENCH_HTTP_BIG_REQUESTS ?? 100);
const FILES = Number(process.env.BENCH_HTTP_FILES ?? 5000);
const CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 8);
const KEY = 'debian-12-x86_64';
const CONFIG = 'pxelinux.cfg/01-52-54-00-ee-00-01';
const TFTP_LIMIT_MS = 5000;

/** The pool: FILES files of 50-500 KB (sizes spread evenly, order shuffled), cut from one random block so writing them is quick. */
function writePool(pool: string): { names: string[]; sizes: number[] } {
  mkdirSync(pool, { recursive: true });
  const block = randomBytes(500_000 + 4096);
  const names: string[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < FILES; i++) {
    const size = 50_000 + Math.floor(((i * 7919) % FILES) * (450_000 / Math.max(1, FILES - 1)));
    const name = `pkg-${String(i).padStart(5, '0')}_1.0_amd64.deb`;
    writeFileSync(join(pool, name), block.subarray(i % 4096, (i % 4096) + size));
    names.push(name);
    sizes.push(size);
  }
  return { names, sizes };
}

type Server = { name: 'nginx' | 'dploy'; url: string; pid: number };
type Measured = ClientRun & { cpu: number; tftp: number[] };

async function measure(server: Server, run: (url: string) => Promise<ClientRun>, tftpPort: number): Promise<Measured> {
  let running = true;
  // An unanswered fetch counts at the probe's limit (5 s, where tftpFetch gives up): a PXE ROM would be waiting that long.
  const probe = sample(
    async () => (await tftpFetch(tftpPort, CONFIG, TFTP_LIMIT_MS).catch(() => ({ ms: TFTP_LIMIT_MS }))).ms,
    20,
    () => running,
  );
  const cpuBefore = cpuOfPidAndChildren(server.pid);
  const result = await run(server.url);
  const cpu = cpuOfPidAndChildren(server.pid) - cpuBefore;
  running = false;
  return { ...result, cpu, tftp: await probe };
}

function summary(runs: Measured[]) {
  const sum = (f: (m: Measured) => number) => runs.reduce((n, m) => n + f(m), 0);
  const seconds = sum((m) => m.seconds);
  const bytes = sum((m) => m.bytes);
  return {
    mbps: bytes / 1e6 / seconds,
    rps: sum((m) => m.requests) / seconds,
    cpuPerGb: sum((m) => m.cpu) / (bytes / 1e9),
    failed: sum((m) => m.failed),
    unanswered: runs.flatMap((m) => m.tftp).filter((ms) => ms >= TFTP_LIMIT_MS).length,
    p99: percentile(
      runs.flatMap((m) => m.tftp),
      99,
    ),
    rounds: runs.map((m) => (m.bytes / 1e6 / m.seconds).toFixed(0)).join(' / '),
  };
}

async function main(): Promise<void> {
  requireTool('/usr/sbin/nginx', 'nginx-light');
  requireTool('/usr/bin/curl', 'curl');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-http-boot-'));
  const tftpRoot = join(cwd, 'var', 'tftp');
  const mirror = join(cwd, 'var', 'mirror');
  mkdirSync(tftpRoot, { recursive: true });
  writeFileSync(join(tftpRoot, 'initrd.img'), randomBytes(BIG_MIB * 1024 * 1024));
  const pool = writePool(join(mirror, KEY, 'pool'));
  // The pool's directories too (mkdtemp made only the top one private).
  chmodSync(join(mirror, KEY), 0o755);
  chmodSync(join(mirror, KEY, 'pool'), 0o755);
  writeFileSync(join(mirror, KEY, '.dploy-media.json'), JSON.stringify({ key: KEY, source: 'http-boot bench' }));
  const tftpPort = await freeUdpPort();
  let dploy: ServeProcess | undefined;
  let nginx: Nginx | undefined;
  try {
    dploy = await startServe({
      cwd,
      env: { DPLOY_RUNNER_ENABLED: 'false', DPLOY_TFTP_ENABLED: 'true', DPLOY_TFTP_ADDRESS: '127.0.0.1', DPLOY_TFTP_PORT: String(tftpPort) },
    });
    nginx = await startNginx(cwd, await freePort(), { bootFiles: tftpRoot, mirror });
    // The first config is rendered cold (templates, database); the probe measures warm answers.
    await tftpFetch(tftpPort, CONFIG, 30_000);
    const servers: Server[] = [
      { name: 'nginx', url: nginx.url, pid: nginx.child.pid! },
      { name: 'dploy', url: dploy.url, pid: dploy.child.pid! },
    ];
    const big = (url: string) =>
      fetchAll(
        cwd,
        Array.from({ length: BIG_REQUESTS }, () => `${url}/boot/files/initrd.img`),
        Array.from({ length: BIG_REQUESTS }, () => BIG_MIB * 1024 * 1024),
        1,
        BIG_CLIENTS,
      );
    const small = (url: string) =>
      fetchAll(
        cwd,
        pool.names.map((name) => `${url}/mirror/${KEY}/pool/${name}`),
        pool.sizes,
        CLIENTS,
      );
    const results = { big: { nginx: [] as Measured[], dploy: [] as Measured[] }, small: { nginx: [] as Measured[], dploy: [] as Measured[] } };
    // Once each first, unmeasured: the page cache holds every file for both servers alike.
    for (const server of servers) await small(server.url);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) results.big[server.name].push(await measure(server, big, tftpPort));
      for (const server of order) results.small[server.name].push(await measure(server, small, tftpPort));
      console.error(`  round ${round + 1} of ${ROUNDS} done`);
    }
    const cores = (await import('node:os')).availableParallelism();
    console.log(`\nHTTP boot and mirror, ${ROUNDS} interleaved rounds on ${cores} cores (loopback, curl clients; server CPU from /proc)`);
    console.log('load                                         server       MB/s    req/s   CPU s/GB  failed  TFTP p99 ms  MB/s per round');
    for (const [load, label] of [
      ['big', `${BIG_CLIENTS} clients x ${BIG_REQUESTS} GETs of ${BIG_MIB} MiB`],
      ['small', `${CLIENTS} keep-alive x ${FILES} files 50-500 KB`],
    ] as const) {
      const n = summary(results[load].nginx);
      const d = summary(results[load].dploy);
      for (const [name, s] of [
        ['nginx', n],
        ['dploy', d],
      ] as const) {
        console.log(
          `${(name === 'nginx' ? label : '').padEnd(44)} ${name.padEnd(6)} ${s.mbps.toFixed(0).padStart(9)} ${s.rps.toFixed(0).padStart(8)} ${s.cpuPerGb.toFixed(2).padStart(10)} ${String(s.failed).padStart(7)} ${s.p99.toFixed(1).padStart(12)}${s.unanswered ? ` (${s.unanswered} unanswered)` : ''}  ${s.rounds}`,
        );
      }
      console.log(
        `${''.padEnd(44)} dploy/nginx: ${(d.mbps / n.mbps).toFixed(2)}x MB/s, ${(d.rps / n.rps).toFixed(2)}x req/s, ${(d.cpuPerGb / n.cpuPerGb).toFixed(2)}x CPU per GB`,
      );
    }
    console.log("TFTP p99: a config fetched from dploy every 20 ms during that server's rounds; target < 20 ms during dploy's. Target: dploy >= 0.9x nginx.");
  } finally {
    await nginx?.stop();
    await dploy?.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
}

await main();

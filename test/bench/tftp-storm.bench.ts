// A boot storm against dploy's TFTP server and Debian's tftpd-hpa in the same
// run, with the same files and the same client (atftp): N machines at once,
// each fetching pxelinux.0 (45 KB), its config and a 32 MiB initrd, as a PXE
// boot does. MB/s is payload bytes over wall time for the whole storm.
// tftpd-hpa ignores windowsize (RFC 7440), so ratios compare equal options and
// dploy's windowed rows are shown against tftpd-hpa's lock-step figure.
//
// BENCH_TFTP_CLIENTS (default 50) sets the storm size; BENCH_TFTP_INITRD_CLIENTS
// (default 10) how many of them fetch the initrd at blksize 512, where lock-step
// costs 65,537 round trips per client (the table says so). BENCH_TFTP_BLKSIZES
// and BENCH_TFTP_WINDOWS (dploy's windowsizes) pick the rows, e.g. "1468" and "1".
// BENCH_TFTP_WORKERS is dploy's tftp.workers (default: one per CPU; 0 = in-process).
// BENCH_NODE_ARGS adds Node flags to dploy's process, e.g. "--perf-basic-prof" for perf.
// BENCH_TFTP_ROUNDS (default 1) repeats every row, alternating which server
// goes first; the table then shows each row's median round and the range of
// the per-round ratios. On a small shared VM one storm's ratio moves ±10 %.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { atftpGet, freeUdpPort, requireTool, startTftpdHpa } from '../integration/tftp/tftp-tools.js';

const CLIENTS = Number(process.env.BENCH_TFTP_CLIENTS ?? 50);
const INITRD_CLIENTS_512 = Number(process.env.BENCH_TFTP_INITRD_CLIENTS ?? 10);
const BLKSIZES = (process.env.BENCH_TFTP_BLKSIZES ?? '512,1468,8192').split(',').map(Number);
const WINDOWS = (process.env.BENCH_TFTP_WINDOWS ?? '1,16,64').split(',').map(Number);
const WORKERS = Number(process.env.BENCH_TFTP_WORKERS ?? availableParallelism());
/** BENCH_TFTP_ENGINE: native (the C engine, the default) or node (node:dgram worker threads). */
const ENGINE = (process.env.BENCH_TFTP_ENGINE ?? 'native') as 'native' | 'node';
const ROUNDS = Number(process.env.BENCH_TFTP_ROUNDS ?? 1);
const FILES = [
  { name: 'pxelinux.0', size: 45 * 1024 },
  { name: 'pxelinux.cfg/default', size: 0 },
  { name: 'initrd.img', size: 32 * 2 ** 20 },
];

interface Run {
  server: 'dploy' | 'tftpd-hpa';
  blksize: number;
  windowsize: number;
}
/** cpuSeconds: the server's CPU during the storm, NaN where it cannot be measured. */
interface Outcome extends Run {
  round: number;
  clients: number;
  initrdClients: number;
  bytes: number;
  seconds: number;
  failures: number;
  cpuSeconds: number;
}

function makeRoot(): { dir: string; sums: Map<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-tftp-bench-'));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'pxelinux.cfg'), { recursive: true });
  const sums = new Map<string, string>();
  for (const file of FILES) {
    const bytes =
      file.size > 0 ? randomBytes(file.size) : Buffer.from('DEFAULT install\nLABEL install\n  KERNEL vmlinuz\n  APPEND initrd=initrd.img auto=true\n');
    writeFileSync(join(root, file.name), bytes, { mode: 0o644 });
    sums.set(file.name, createHash('sha256').update(bytes).digest('hex'));
  }
  // tftpd-hpa chroots into the root and drops to "nobody": it must be able to read it.
  chmodSync(dir, 0o755);
  chmodSync(root, 0o755);
  chmodSync(join(root, 'pxelinux.cfg'), 0o755);
  return { dir, sums };
}

/**
 * CPU time of a server and everything it forks, from a cgroup of its own
 * (cgroup v1 cpuacct, or v2's cpu.stat): tftpd-hpa forks a process per
 * transfer and lets the kernel reap it, so no /proc counter of the parent sees
 * its children's time; dploy's threads are counted the same way. Undefined
 * where no cgroup can be made (not root, no cgroup fs): the column shows n/a.
 */
interface CpuMeter {
  read(): number;
  remove(): void;
}

function cpuMeter(name: string, pid: number): CpuMeter | undefined {
  const layouts = [
    { dir: `/sys/fs/cgroup/cpuacct/${name}`, read: (d: string) => Number(readFileSync(`${d}/cpuacct.usage`, 'utf8')) / 1e9 },
    { dir: `/sys/fs/cgroup/unified/${name}`, read: (d: string) => Number(/usage_usec (\d+)/.exec(readFileSync(`${d}/cpu.stat`, 'utf8'))![1]) / 1e6 },
    { dir: `/sys/fs/cgroup/${name}`, read: (d: string) => Number(/usage_usec (\d+)/.exec(readFileSync(`${d}/cpu.stat`, 'utf8'))![1]) / 1e6 },
  ];
  for (const { dir, read } of layouts) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/cgroup.procs`, String(pid));
      read(dir);
      return { read: () => read(dir), remove: () => rmdirSync(dir) };
    } catch {
      // not this layout
    }
  }
  return undefined;
}

async function storm(port: number, cpu: CpuMeter | undefined, run: Run & { round: number }, dir: string, sums: Map<string, string>): Promise<Outcome> {
  const initrdClients = run.blksize === 512 ? Math.min(INITRD_CLIENTS_512, CLIENTS) : CLIENTS;
  const options = [`blksize ${run.blksize}`, ...(run.windowsize > 1 ? [`windowsize ${run.windowsize}`] : [])];
  let bytes = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = cpu?.read() ?? NaN;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (const file of FILES) {
        if (file.name === 'initrd.img' && client >= initrdClients) continue;
        // Client 0 keeps what it got, to prove the bytes; the others write to /dev/null.
        const local = client === 0 ? join(dir, `got-${run.server}-${file.name.replace('/', '_')}`) : '/dev/null';
        const result = await atftpGet({ port, remote: file.name, local, options });
        if (result.code !== 0) failures++;
        else bytes += file.size > 0 ? file.size : readFileSync(join(dir, 'root', file.name)).length;
        if (client === 0 && result.code === 0) {
          const sum = createHash('sha256').update(readFileSync(local)).digest('hex');
          if (sum !== sums.get(file.name)) throw new Error(`${run.server} sent a corrupted ${file.name}`);
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...run, clients: CLIENTS, initrdClients, bytes, seconds, failures, cpuSeconds: (cpu?.read() ?? NaN) - cpuBefore };
}

async function startDploy(root: string): Promise<{ child: ChildProcess; port: number }> {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url), 'serve', root], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dploy TFTP child exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { child, port };
}

async function serveDploy(root: string): Promise<void> {
  const { createTftpServer, createStaticRootRoute } = await import('../../plugin/tftp/index.js');
  const quiet = {
    debug() {},
    info() {},
    warn: (o: object, m?: string) => console.error(m, JSON.stringify(o)),
    error: (o: object, m?: string) => console.error(m, o),
    child: () => quiet,
  };
  const server = createTftpServer({ address: '127.0.0.1', port: 0, workers: WORKERS, engine: ENGINE }, [createStaticRootRoute({ root })], quiet);
  const { port } = await server.listen();
  process.stdout.write(`${port}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

function mbps(o: Outcome): number {
  return o.bytes / 2 ** 20 / o.seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Per row: the round with the median MB/s, and the ratio to tftpd-hpa's lock-step row of each round. */
function printTable(outcomes: Outcome[]): void {
  const peer = (o: Outcome) => outcomes.find((p) => p.server === 'tftpd-hpa' && p.blksize === o.blksize && p.round === o.round);
  const rows = new Map<string, Outcome[]>();
  for (const o of outcomes) rows.set(`${o.server} ${o.blksize} ${o.windowsize}`, [...(rows.get(`${o.server} ${o.blksize} ${o.windowsize}`) ?? []), o]);
  console.log(
    `\nTFTP boot storm: ${CLIENTS} atftp clients at once, each fetching pxelinux.0 (45 KB), a config and a 32 MiB initrd; dploy with ${WORKERS} transfer thread(s), engine ${ENGINE}${ROUNDS > 1 ? `; median of ${ROUNDS} rounds` : ''}`,
  );
  console.log('server      blksize  window  clients(initrd)  MB total   seconds     MB/s   failures  server CPU s/GB   vs tftpd-hpa');
  for (const round of rows.values()) {
    const mid = median(round.map(mbps));
    const o = round.find((r) => mbps(r) === mid)!;
    const ratios = round.flatMap((r) => (r.server === 'dploy' && peer(r) ? [mbps(r) / mbps(peer(r)!)] : []));
    const range = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : '';
    const ratio = ratios.length > 0 ? `${median(ratios).toFixed(2)}x${range}${o.windowsize > 1 ? ' (hpa lock-step)' : ''}` : '';
    const failures = round.reduce((n, r) => n + r.failures, 0);
    console.log(
      `${o.server.padEnd(10)} ${String(o.blksize).padStart(8)} ${String(o.windowsize).padStart(7)} ${`${o.clients}(${o.initrdClients})`.padStart(16)} ${(o.bytes / 2 ** 20).toFixed(0).padStart(9)} ${o.seconds.toFixed(1).padStart(9)} ${mbps(o).toFixed(1).padStart(8)} ${String(failures).padStart(10)} ${(Number.isNaN(o.cpuSeconds) ? 'n/a' : (o.cpuSeconds / (o.bytes / 2 ** 30)).toFixed(1)).padStart(16)}   ${ratio}`,
    );
  }
  if (outcomes.some((o) => o.initrdClients < o.clients)) {
    console.log(`(at blksize 512 only ${INITRD_CLIENTS_512} of the ${CLIENTS} clients fetch the initrd: 65,537 lock-step round trips each would take minutes)`);
  }
}

async function main(): Promise<void> {
  requireTool('atftp', 'atftp');
  requireTool('/usr/sbin/in.tftpd', 'tftpd-hpa');
  const { dir, sums } = makeRoot();
  const hpa = await startTftpdHpa(join(dir, 'root'), await freeUdpPort());
  const dploy = await startDploy(join(dir, 'root'));
  const meters = {
    'tftpd-hpa': cpuMeter(`dploy-bench-hpa-${process.pid}`, hpa.child.pid!),
    dploy: cpuMeter(`dploy-bench-dploy-${process.pid}`, dploy.child.pid!),
  };
  try {
    const outcomes: Outcome[] = [];
    // Odd rounds run dploy's rows before tftpd-hpa's, so drift in the machine's load favours neither.
    const runs = Array.from({ length: ROUNDS }, (_, round) =>
      BLKSIZES.flatMap((blksize) => {
        const rows: Run[] = [
          { server: 'tftpd-hpa' as const, blksize, windowsize: 1 },
          ...WINDOWS.map((windowsize) => ({ server: 'dploy' as const, blksize, windowsize })),
        ];
        return (round % 2 === 1 ? rows.reverse() : rows).map((row) => ({ ...row, round }));
      }),
    ).flat();
    for (const run of runs) {
      const server = run.server === 'dploy' ? dploy : hpa;
      const outcome = await storm(server.port, meters[run.server], run, dir, sums);
      outcomes.push(outcome);
      console.error(
        `  ${run.server} blksize ${run.blksize} window ${run.windowsize}: ${mbps(outcome).toFixed(1)} MB/s in ${outcome.seconds.toFixed(1)} s, server CPU ${outcome.cpuSeconds.toFixed(1)} s`,
      );
    }
    printTable(outcomes);
  } finally {
    const exits = [hpa.child, dploy.child].map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))));
    hpa.child.kill('SIGTERM');
    dploy.child.kill('SIGTERM');
    await Promise.all(exits);
    for (const meter of Object.values(meters)) meter?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') await serveDploy(process.argv[3]!);
else await main();

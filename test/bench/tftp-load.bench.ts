// TFTP under load (issue 20, M1 and the burst finding), dploy against Debian's
// tftpd-hpa in the same run, serving the same bytes:
// 1. a PXE client fetches its boot config every 20 ms, alternating between
//    dploy (rendered live, from the database) and tftpd-hpa (the same text as
//    a file), first idle, then while 8 machines post worst-case inventories
//    (3.5 MiB, 150k lshw nodes each) to dploy; /healthz is polled all along.
//    Targets: TFTP config p99 under 20 ms, /healthz under 100 ms.
// 2. a burst of 1,500 read requests on loopback to each server: how many are
//    answered, how many the kernel dropped at the listener's receive buffer
//    (dploy asks tftp.receiveBufferBytes; tftpd-hpa keeps the default).
//
// BENCH_LOAD_SECONDS (default 15) sets each phase's length, BENCH_LOAD_POSTERS
// (default 8) the posting machines, BENCH_BURST (default 1500) the burst.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startServe } from '../support/serve.js';
import { freeUdpPort, requireTool, startTftpdHpa } from '../integration/tftp/tftp-tools.js';
import { httpGetMs, percentile, postWorstCaseInventories, sample, tftpFetch } from '../support/pxe-load.js';
import { readRequestBurst } from '../support/tftp-burst.js';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 15);
const POSTERS = Number(process.env.BENCH_LOAD_POSTERS ?? 8);
const BURST = Number(process.env.BENCH_BURST ?? 1500);
const CONFIG = 'pxelinux.cfg/01-52-54-00-ee-00-01';

type Figures = { p50: number; p99: number; max: number; n: number };
const figures = (ms: number[]): Figures => ({ p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), n: ms.length });
const cells = (f: Figures) => `${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${f.max.toFixed(1).padStart(8)} ${String(f.n).padStart(6)}`;

async function phase(ports: { dploy: number; hpa: number }, url: string, token: string, posters: number) {
  let running = true;
  const load = posters > 0 ? postWorstCaseInventories(url, token, posters, () => running) : Promise.resolve([]);
  const tftp = { dploy: [] as number[], hpa: [] as number[] };
  const probe = sample(
    async () => {
      tftp.dploy.push((await tftpFetch(ports.dploy, CONFIG)).ms);
      tftp.hpa.push((await tftpFetch(ports.hpa, CONFIG)).ms);
      return 0;
    },
    20,
    () => running,
  );
  const healthz = sample(
    () => httpGetMs(`${url}/healthz`),
    20,
    () => running,
  );
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  running = false;
  const [statuses, , healthzMs] = await Promise.all([load, probe, healthz]);
  return {
    dploy: figures(tftp.dploy),
    hpa: figures(tftp.hpa),
    healthz: figures(healthzMs),
    posts: statuses.length,
    failed: statuses.filter((s) => s !== 200).length,
  };
}

async function main(): Promise<void> {
  requireTool('/usr/sbin/in.tftpd', 'tftpd-hpa');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-tftp-load-'));
  const hpaRoot = join(cwd, 'hpa');
  mkdirSync(join(cwd, 'tftp'));
  const dployPort = await freeUdpPort();
  const dploy = await startServe({
    cwd,
    env: {
      DPLOY_DATABASE_URL: `sqlite:${join(cwd, 'dploy.sqlite')}`,
      DPLOY_RUNNER_ENABLED: 'false',
      DPLOY_TFTP_ENABLED: 'true',
      DPLOY_TFTP_ADDRESS: '127.0.0.1',
      DPLOY_TFTP_PORT: String(dployPort),
      DPLOY_TFTP_ROOT: join(cwd, 'tftp'),
    },
  });
  let hpa: Awaited<ReturnType<typeof startTftpdHpa>> | undefined;
  try {
    const text = (await tftpFetch(dployPort, CONFIG)).text;
    const token = /dploy\.token=(\S+)/.exec(text)?.[1];
    if (!token) throw new Error(`the discovery entry has no enrollment token:\n${text}`);
    // tftpd-hpa chroots into its root and drops to "nobody": everything on the way must be readable.
    mkdirSync(dirname(join(hpaRoot, CONFIG)), { recursive: true });
    writeFileSync(join(hpaRoot, CONFIG), text, { mode: 0o644 });
    for (const dir of [cwd, hpaRoot, dirname(join(hpaRoot, CONFIG))]) chmodSync(dir, 0o755);
    hpa = await startTftpdHpa(hpaRoot, await freeUdpPort());
    const ports = { dploy: dployPort, hpa: hpa.port };
    const idle = await phase(ports, dploy.url, token, 0);
    console.error(`  idle phase done (${idle.dploy.n} fetches each)`);
    const loaded = await phase(ports, dploy.url, token, POSTERS);
    console.error(`  loaded phase done (${loaded.posts} inventories posted)`);
    const bursts = { dploy: await readRequestBurst(ports.dploy, BURST, CONFIG), hpa: await readRequestBurst(ports.hpa, BURST, CONFIG) };

    console.log(`\nTFTP config answers (RRQ to last DATA of ${CONFIG}, ${text.length} bytes), a fetch every 20 ms alternating servers, ${SECONDS} s per phase`);
    console.log('phase                      server        p50 ms   p99 ms   max ms  count   p99 vs tftpd-hpa');
    for (const [name, p] of [
      ['idle', idle],
      [`${POSTERS} posting worst-case`, loaded],
    ] as const) {
      console.log(`${name.padEnd(26)} dploy     ${cells(p.dploy)}   ${(p.dploy.p99 / p.hpa.p99).toFixed(2)}x`);
      console.log(`${''.padEnd(26)} tftpd-hpa ${cells(p.hpa)}`);
      console.log(`${''.padEnd(26)} /healthz  ${cells(p.healthz)}`);
    }
    console.log(
      `worst-case inventories posted under load: ${loaded.posts} (${loaded.failed} not 200) by ${POSTERS} machines in ${SECONDS} s; targets: TFTP p99 < 20 ms, /healthz < 100 ms`,
    );
    console.log(`\nBurst of ${BURST} read requests of the config on loopback, one UDP port each`);
    console.log('server      answered  refused  kernel drops  last first answer ms');
    for (const [name, b] of Object.entries(bursts)) {
      console.log(
        `${(name === 'hpa' ? 'tftpd-hpa' : name).padEnd(10)} ${String(b.answered).padStart(9)} ${String(b.refused).padStart(8)} ${String(b.kernelDrops).padStart(13)} ${b.ms.toFixed(0).padStart(21)}`,
      );
    }
  } finally {
    if (hpa) {
      const exited = new Promise((resolve) => (hpa!.child.exitCode !== null ? resolve(null) : hpa!.child.once('exit', resolve)));
      hpa.child.kill('SIGTERM');
      await exited;
    }
    await dploy.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
}

await main();

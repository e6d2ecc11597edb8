// Boot waves sized from what dploy's own TFTP server served: a group install
// on 8 machines with Redfish BMCs (test/support/redfish-double.ts), each of
// which, once powered on, loads the kernel and initrd its pxelinux entry
// names from dploy's TFTP server with the real tftp-hpa client. The first
// wave is the conservative default, said as such; the next waves are as
// many machines as the busiest second served carries in one interval of
// this install's fetch (the two files' sizes), and the status says so.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { configSchema } from '../../../plugin/config/index.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { powerHook } from '../../../plugin/jobs/power-hook.js';
import { runnerTick } from '../../../plugin/jobs/runner.js';
import { megabytes, waveSize } from '../../../plugin/power/wave-size.js';
import { startServer } from '../../../plugin/server.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import { installOnGroup, startRackScene, tickUntilEnded } from '../../support/bmc-rack-scene.js';
import { createTestDatabase } from '../../support/databases.js';

const MACHINES = 8;
const WAVES = { intervalMs: 2000, minSize: 1, maxSize: 50, unmeasuredSize: 2 };
// The Debian 12 installer's files where the catalog's netboot layout names them; 4 MiB per install.
const KERNEL = { path: 'debian-installer/amd64/linux', bytes: 1 << 20 };
const INITRD = { path: 'debian-installer/amd64/initrd.gz', bytes: 3 << 20 };
const FETCH = KERNEL.bytes + INITRD.bytes;
const POLICY = { callBudgetMs: 3000, retryWaitsMs: [300], verifyWaitsMs: [100, 100, 200, 400, 800, 1600], minIntervalMs: 10 };

test("boot waves follow what the TFTP server served: the default first, then peak rate × interval ÷ the install's kernel and initrd", async () => {
  const scene = await startRackScene({
    machines: MACHINES,
    loadsBootFiles: true,
    tftpRoot: (root) => {
      mkdirSync(join(root, 'debian-installer', 'amd64'), { recursive: true });
      for (const f of [KERNEL, INITRD]) writeFileSync(join(root, f.path), randomBytes(f.bytes));
    },
  });
  const { server, platform, machines, rack, hostIds } = scene;
  try {
    const db = server.store.db;
    const kinds = jobKinds(
      { bootSeconds: 120, installSeconds: 120 },
      { power: powerHook(scene.keyFile, { policy: POLICY, waves: WAVES, load: server.bootLoad }) },
    );
    const o = { db, dialect: 'sqlite' as const, platform, kinds, owner: 'test:1', leaseSeconds: 60, batchSize: 50, maxAttempts: 3, budgetMs: 30_000 };
    const runner = { ...o, log: { info() {}, warn() {}, error() {} } };

    await installOnGroup(scene, kinds, 'rack9');
    assert.equal(server.bootLoad.peak(), undefined, 'nothing served yet');

    // Wave 1: the default, and the status says why.
    await runnerTick({ ...runner, budgetMs: WAVES.intervalMs / 2 });
    const waiting = (await listJobs(db.manager, {})).filter((j) => j.state === 'waiting-wave');
    assert.equal(waiting.length, MACHINES - WAVES.unmeasuredSize);
    // What an install of this profile fetches, from the files its boot entry (set by the first step) names.
    assert.equal(await server.bootLoad.fetchBytes(db.manager, await getHost(db.manager, waiting[0]!.hostId)), FETCH);
    assert.match(
      (await getHost(db.manager, waiting[0]!.hostId)).status ?? '',
      /^waiting for boot wave 2 \(2 machines every 2 s: default until the boot services have served a boot to measure\) \(step 2\/\d\) since/,
    );

    // Wave 1 loads its files; a second passes so that the busiest second is sampled.
    const first = machines.filter((_, i) => rack.bmcs[i]!.resets.length > 0);
    assert.equal(first.length, WAVES.unmeasuredSize);
    await Promise.all(first.map((m) => m.settled()));
    await sleep(1100);
    assert.ok(
      first.every((m) => m.history.includes('boot files loaded')),
      JSON.stringify(first.map((m) => m.history)),
    );
    const before = server.bootLoad.peak();
    assert.ok(before && before.by === 'TFTP', `measured ${JSON.stringify(before)}`);
    // A rate, not a sum: never more than the bytes the server was asked for in all (two installs, two small entries).
    assert.ok(before.bytesPerSecond <= 2 * FETCH + 20_000, `peak ${before.bytesPerSecond} B/s from ${2 * FETCH} B`);

    // Wave 2, sized by the measure: the status names the rate and the install's size, and the size is theirs.
    await sleep(Math.max(0, WAVES.intervalMs - 1100));
    await runnerTick({ ...runner, budgetMs: WAVES.intervalMs / 2 });
    console.log(
      `wave 1 measured: TFTP peak ${megabytes(before.bytesPerSecond)}/s -> ${waveSize(WAVES, WAVES.intervalMs, before, FETCH).size} machines per wave`,
    );
    // Those still waiting (none when the measure fits all 6 in wave 2) say the measured size and why.
    for (const job of (await listJobs(db.manager, {})).filter((j) => j.state === 'waiting-wave'))
      assert.match(
        (await getHost(db.manager, job.hostId)).status ?? '',
        /^waiting for boot wave \d \(\d+ machines every 2 s: TFTP served [\d.]+ MB\/s, 4\.2 MB per install\)/,
      );

    const jobs = await tickUntilEnded(scene, runner, 30_000);
    assert.deepEqual(
      jobs.map((j) => j.state),
      Array(MACHINES).fill('done'),
    );
    // Every machine after the first wave started in a measured wave: its stated size is the stated rate's (the rate
    // as printed, rounded) and that rate one the server measured; no wave held more than the size it stated.
    const final = server.bootLoad.peak()!;
    const sizeAt = (bytesPerSecond: number) => waveSize(WAVES, WAVES.intervalMs, { bytesPerSecond, by: 'TFTP' }, FETCH).size;
    // (A runner late for a wave by a whole interval starts the count again at wave 1: waves are told apart by reason too.)
    const waves = new Map<string, number[]>();
    const defaulted: number[] = [];
    for (const job of jobs) {
      const words = (await jobEvents(db.manager, job.id)).map((e) => e.message ?? '');
      const started = words.map((w) => /\(boot wave (\d+): (\d+) machines every 2 s: ([^)]*)\)/.exec(w)).find(Boolean);
      assert.ok(started, words.join('\n'));
      const [wave, size, reason] = [Number(started[1]), Number(started[2]), started[3]!];
      const key = `${wave} ${reason.startsWith('default') ? 'default' : 'measured'}`;
      waves.set(key, [...(waves.get(key) ?? []), size]);
      if (reason === 'default until the boot services have served a boot to measure') {
        defaulted.push(hostIds.indexOf(job.hostId));
        continue;
      }
      const rate = /^TFTP served ([\d.]+) MB\/s, 4\.2 MB per install/.exec(reason);
      assert.ok(rate, reason);
      const [low, high] = printedRange(rate[1]!);
      assert.ok(high >= before.bytesPerSecond && low <= final.bytesPerSecond, `${reason}: measured ${before.bytesPerSecond}–${final.bytesPerSecond} B/s`);
      assert.ok(size >= sizeAt(low) && size <= sizeAt(high), `${size} machines from ${reason}`);
    }
    // The default sized the first wave only: its two machines, the first two powered on.
    const onAt = rack.bmcs.map((b) => b.resets[0]!.at);
    const firstTwo = onAt
      .map((t, i): [number, number] => [t, i])
      .sort((a, b) => a[0] - b[0])
      .slice(0, 2)
      .map(([, i]) => i);
    assert.deepEqual(defaulted.sort(), firstTwo.sort());
    for (const [wave, sizes] of waves) assert.ok(sizes.length <= Math.min(...sizes), `wave ${wave}: ${sizes.length} machines, stated ${sizes}`);
    console.log(`waves: ${JSON.stringify([...waves].sort())}, peak at the end ${megabytes(final.bytesPerSecond)}/s`);
    for (const m of machines) assert.deepEqual(m.history, ['boot pxe', 'entry install', 'boot files loaded', 'answer fetched', 'started', 'installed']);
  } finally {
    await scene.stop();
  }
});

test('kernels and initrds fetched over HTTP (/boot/files) feed the same measure, named HTTP, shown on /metrics', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-measured-http-'));
  const root = join(cwd, 'var', 'tftp');
  mkdirSync(join(root, 'debian-installer', 'amd64'), { recursive: true });
  writeFileSync(join(root, INITRD.path), randomBytes(INITRD.bytes));
  const database = await createTestDatabase('sqlite');
  const server = await startServer(
    configSchema.parse({
      database: { url: database.url },
      http: { address: '127.0.0.1', port: 0 },
      tftp: { enabled: false, root },
      runner: { enabled: false },
      installers: { secretKeyFile: join(cwd, 'var', 'secret.key'), mirrorDir: join(cwd, 'var', 'mirror') },
      log: { level: 'warn' },
    }),
    { logStream: new Writable({ write: (_c, _e, done) => done() }) },
  );
  try {
    await sleep(1100);
    assert.equal(server.bootLoad.peak(), undefined);
    // Two whole answers and a HEAD (no body): two initrds' bytes sent within one sampled second or two.
    for (const method of ['GET', 'GET', 'HEAD']) {
      const answer = await fetch(`${server.url}/boot/files/${INITRD.path}`, { method });
      assert.equal((await answer.arrayBuffer()).byteLength, method === 'GET' ? INITRD.bytes : 0);
    }
    await sleep(2100);
    const peak = server.bootLoad.peak();
    assert.equal(peak?.by, 'HTTP');
    // Sampled once a second: the busiest second holds one or both answers (a second is never much shorter than 1 s).
    assert.ok(peak.bytesPerSecond >= INITRD.bytes * 0.9 && peak.bytesPerSecond <= 2 * INITRD.bytes * 1.05, `${peak.bytesPerSecond} B/s`);
    // /metrics shows both: the bytes sent, and the figure waves are sized from.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^dploy_static_sent_bytes_total ${2 * INITRD.bytes}$`, 'm'));
    assert.match(metrics, new RegExp(`^dploy_boot_served_peak_bytes_per_second ${peak.bytesPerSecond}$`, 'm'));
  } finally {
    await server.close();
    await database.drop();
    rmSync(cwd, { recursive: true, force: true });
  }
});

/** The bytes/s a figure printed by megabytes() ("48", "9.2", "0.31") stands for, as a range. */
function printedRange(mb: string): [number, number] {
  const decimals = mb.includes('.') ? mb.length - mb.indexOf('.') - 1 : 0;
  const half = 0.5 * 10 ** -decimals;
  return [(Number(mb) - half) * 1e6, (Number(mb) + half) * 1e6];
}

// No person at the rack: a group install task on 20 simulated machines, each
// behind its own Redfish BMC (test/support/redfish-double.ts, one process),
// through dploy's HTTP and TFTP services and the real runner on SQLite. A
// machine network-boots only when its BMC powers it on with PXE set once;
// dploy powers 5 per boot wave every 3 s, and every machine PXE-boots,
// fetches its answer file and calls back until its job is done.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../../plugin/config/index.js';
import { storeProfile } from '../../../plugin/installers/profiles/profile-store.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { powerHook } from '../../../plugin/jobs/power-hook.js';
import { runnerTick } from '../../../plugin/jobs/runner.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { sealBmc } from '../../../plugin/power/bmc-credentials.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { startServer } from '../../../plugin/server.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { writeHostBmc } from '../../../plugin/store/host-bmcs.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import { enrollmentToken } from '../../../plugin/store/settings.js';
import { MachineWithBmc } from '../../support/bmc-machine.js';
import { createTestDatabase } from '../../support/databases.js';
import { SimulatedMachine } from '../../support/machine-simulator.js';
import { startRedfishRack } from '../../support/redfish-double.js';
import { seedMac } from '../../support/seed.js';
import { freePort } from '../../support/serve.js';
import { machineDocument } from '../../support/trust-server.js';

const MACHINES = 20;
const WAVE = { size: 5, intervalMs: 3000 };
// Fast BMCs, so that a wave's 5 power-ons take well under its 2 s (the rules themselves are the defaults' shape).
const POLICY = { callBudgetMs: 3000, retryWaitsMs: [300], verifyWaitsMs: [100, 100, 200, 400, 800, 1600], minIntervalMs: 10 };
const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as unknown;

test('a group install on 20 machines with BMCs: powered in waves of 5 every 3 s, each PXE-boots, installs and calls back, no person', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-bmc-machines-'));
  const keyFile = join(cwd, 'var', 'secret.key');
  mkdirSync(join(cwd, 'var', 'tftp'), { recursive: true });
  const database = await createTestDatabase('sqlite');
  const tftpPort = await freePort();
  const server = await startServer(
    configSchema.parse({
      database: { url: database.url },
      http: { address: '127.0.0.1', port: 0 },
      tftp: { enabled: true, address: '127.0.0.1', port: tftpPort, root: join(cwd, 'var', 'tftp') },
      runner: { enabled: false },
      installers: { secretKeyFile: keyFile, mirrorDir: join(cwd, 'var', 'mirror') },
      log: { level: 'warn' },
    }),
    { logStream: new Writable({ write: (_c, _e, done) => done() }) },
  );
  const machines = Array.from({ length: MACHINES }, (_, i) => new MachineWithBmc(new SimulatedMachine(seedMac(i), tftpPort, cwd), server.url));
  const rack = await startRedfishRack(MACHINES, (i) => ({ powerDelayMs: 100, onPowerOn: (from) => machines[i]!.powerOn(from) }));
  try {
    const db = server.store.db;
    const platform = createPlatform('standalone', server.store);
    const kinds = jobKinds({ bootSeconds: 120, installSeconds: 120 }, { power: powerHook(keyFile, { policy: POLICY, waves: WAVE }) });
    const runner = { db, dialect: 'sqlite' as const, platform, kinds, owner: 'test:1', leaseSeconds: 60, batchSize: 50, maxAttempts: 3, budgetMs: 30_000 };
    const o = { ...runner, log: { info() {}, warn() {}, error() {} } };

    // The rack as discovery left it: every machine known with its inventory, its BMC set and pinned.
    const enrollment = await enrollmentToken(db.manager);
    const hostIds: number[] = [];
    for (const [i, m] of machines.entries()) {
      const answer = await m.machine.postInventory(server.url, enrollment, machineDocument(m.machine.mac, `DPLOY-BMC-${i}`, `DPLOYDISK${i}`));
      const host = await getHost(db.manager, answer.host_name!);
      const bmc = rack.bmcs[i]!;
      await writeHostBmc(db.manager, {
        ...sealBmc(host.id, `redfish://${bmc.user}@127.0.0.1:${bmc.port}`, bmc.password, openSecretBox(keyFile)),
        certSha256: rack.certSha256,
      });
      hostIds.push(host.id);
    }
    await storeProfile(db.manager, PROFILE, { replace: false, secrets: openSecretBox(keyFile) });
    await createGroup(db.manager, 'rack7');
    const group = await addGroupMembers(db.manager, 'rack7', hostIds);
    await setTask(db, platform, kinds, { hostIds: group.hostIds, task: 'install', profile: 'debian-12-web', force: false, actor: 'test' });
    assert.ok(
      machines.every((m) => m.history.length === 0),
      'nothing boots before its BMC is told to',
    );

    // First ticks shorter than a wave interval (a tick goes on claiming while it has budget, so it would reach wave 2):
    // one wave powered, every other machine waiting for its wave, its status saying which.
    // (Two ticks at most: on a loaded machine the first may spend its budget opening the 20 jobs.)
    await runnerTick({ ...o, budgetMs: WAVE.intervalMs / 2 });
    if (!rack.bmcs.some((b) => b.resets.length > 0)) await runnerTick({ ...o, budgetMs: WAVE.intervalMs / 2 });
    const powered = rack.bmcs.filter((b) => b.resets.length > 0).length;
    assert.ok(powered >= 1 && powered <= WAVE.size, `${powered} machines powered in the first wave`);
    const waiting = (await listJobs(db.manager, {})).filter((j) => j.state === 'waiting-wave');
    assert.equal(waiting.length, MACHINES - powered);
    assert.match((await getHost(db.manager, waiting[0]!.hostId)).status ?? '', /^waiting for boot wave [2-4] \(5 machines every 3 s\) \(step 2\/\d\) since/);

    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if ((await listJobs(db.manager, {})).every((j) => j.state === 'done' || j.state === 'failed')) break;
      await sleep(200);
      await runnerTick(o);
    }
    await Promise.all(machines.map((m) => m.settled()));
    const jobs = await listJobs(db.manager, {});
    assert.deepEqual(
      jobs.map((j) => j.state),
      Array(MACHINES).fill('done'),
    );

    const wave: number[] = [];
    for (const [i, m] of machines.entries()) {
      assert.deepEqual(m.history, ['boot pxe', 'entry install', 'answer fetched', 'started', 'installed'], `machine ${i}`);
      assert.match((await getHost(db.manager, hostIds[i]!)).status ?? '', /^deployed debian-12-web at \d\d:\d\d$/);
      // The one-time PXE flag was set, then the machine (off) powered on once, and the flag used up by that boot.
      assert.deepEqual(
        rack.bmcs[i]!.resets.map((r) => r.type),
        ['On'],
      );
      assert.equal(rack.bmcs[i]!.boot().BootSourceOverrideEnabled, 'Disabled');
      assert.ok(rack.bmcs[i]!.requests.includes('PATCH /redfish/v1/Systems/437XR1138R2'));
      const job = jobs.find((j) => j.hostId === hostIds[i])!;
      const words = (await jobEvents(db.manager, job.id)).map((e) => `${e.toState}: ${e.message ?? ''}`);
      const started = words
        .map((w) => /^booting-bmc: next boot set to PXE once \(bios\); .*\(boot wave (\d+): 5 machines every 3 s\); waiting for/.exec(w))
        .find(Boolean);
      assert.ok(started, words.join('\n'));
      wave[i] = Number(started[1]);
    }
    assert.equal(
      rack.bmcs.reduce((n, b) => n + b.overlaps, 0),
      0,
      'no BMC was sent two requests at once',
    );

    // Waves as the jobs name them, checked against the BMCs' own clocks: at most 5 per wave, wave k's first
    // power-on no earlier than (k-1) intervals after the first one's (a busy runner may power a wave late, never early),
    // a wave's machines powered together.
    const onAt = rack.bmcs.map((b) => b.resets[0]!.at);
    const t0 = Math.min(...onAt);
    const seen = JSON.stringify(onAt.map((t, i) => `w${wave[i]}+${t - t0}`));
    const waves = [...new Set(wave)].sort();
    assert.ok(waves.length >= MACHINES / WAVE.size, seen);
    // No more than a wave's 5 within one interval, on the BMCs' clocks (less 700 ms: the wave opens when its first
    // machine takes its place, a few requests before that machine's power-on).
    const sorted = [...onAt].sort((a, b) => a - b);
    for (let i = 0; i + WAVE.size < sorted.length; i++)
      assert.ok(sorted[i + WAVE.size]! - sorted[i]! >= WAVE.intervalMs - 700, `${WAVE.size + 1} power-ons within one interval: ${seen}`);
    for (const k of waves) {
      const members = onAt.filter((_, i) => wave[i] === k);
      assert.ok(members.length <= WAVE.size, `wave ${k} has ${members.length}: ${seen}`);
      assert.ok(Math.min(...members) - t0 >= (k - 1) * WAVE.intervalMs - 500, `wave ${k} opened early: ${seen}`);
      // Powered side by side (each BMC still one command at a time): one after another, 5 would span ≥ 4 × 200 ms.
      assert.ok(Math.max(...members) - Math.min(...members) < 500, `wave ${k} powered one machine after another: ${seen}`);
    }
  } finally {
    await rack.stop();
    await server.close();
    await database.drop();
    rmSync(cwd, { recursive: true, force: true });
  }
});

// No person at the rack: a group install task on 20 simulated machines, each
// behind its own Redfish BMC (test/support/redfish-double.ts, one process),
// through dploy's HTTP and TFTP services and the real runner on SQLite. A
// machine network-boots only when its BMC powers it on with PXE set once;
// dploy powers 5 per boot wave every 3 s, and every machine PXE-boots,
// fetches its answer file and calls back until its job is done.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { powerHook } from '../../../plugin/jobs/power-hook.js';
import { runnerTick } from '../../../plugin/jobs/runner.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import { installOnGroup, startRackScene, tickUntilEnded } from '../../support/bmc-rack-scene.js';

const MACHINES = 20;
const WAVE = { size: 5, intervalMs: 3000 };
// Fast BMCs, so that a wave's 5 power-ons take well under its 2 s (the rules themselves are the defaults' shape).
const POLICY = { callBudgetMs: 3000, retryWaitsMs: [300], verifyWaitsMs: [100, 100, 200, 400, 800, 1600], minIntervalMs: 10 };

test('a group install on 20 machines with BMCs: powered in waves of 5 every 3 s, each PXE-boots, installs and calls back, no person', async () => {
  const scene = await startRackScene({ machines: MACHINES });
  const { server, platform, machines, rack, hostIds } = scene;
  try {
    const db = server.store.db;
    const kinds = jobKinds({ bootSeconds: 120, installSeconds: 120 }, { power: powerHook(scene.keyFile, { policy: POLICY, waves: WAVE }) });
    const runner = { db, dialect: 'sqlite' as const, platform, kinds, owner: 'test:1', leaseSeconds: 60, batchSize: 50, maxAttempts: 3, budgetMs: 30_000 };
    const o = { ...runner, log: { info() {}, warn() {}, error() {} } };

    await installOnGroup(scene, kinds, 'rack7');
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
    assert.match(
      (await getHost(db.manager, waiting[0]!.hostId)).status ?? '',
      /^waiting for boot wave [2-4] \(5 machines every 3 s: set by power\.waveSize\) \(step 2\/\d\) since/,
    );

    const jobs = await tickUntilEnded(scene, o, 20_000);
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
        .map((w) =>
          /^booting-bmc: next boot set to PXE once \(bios\); .*\(boot wave (\d+): 5 machines every 3 s: set by power\.waveSize\); waiting for/.exec(w),
        )
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
    await scene.stop();
  }
});

// Boot storms in waves through the real runner on SQLite: a discover task on a
// group of 10 machines, each with its own BMC (the fake iLO of
// test/support/fake-ilo.ts), waves of 3 every 3 s. The power-on times the
// BMCs saw must fall into 4 waves of 3, 3, 3 and 1 machines.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { powerHook } from '../../../plugin/jobs/power-hook.js';
import { runnerTick } from '../../../plugin/jobs/runner.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { sealBmc } from '../../../plugin/power/bmc-credentials.js';
import { writeHostBmc } from '../../../plugin/store/host-bmcs.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { listJobs } from '../../../plugin/store/jobs.js';
import { openTestStore } from '../../support/databases.js';
import { startFakeIlo, type FakeIlo } from '../../support/fake-ilo.js';

const KEY_FILE = join(mkdtempSync(join(tmpdir(), 'dploy-waves-key-')), 'secret.key');
const POLICY = { callBudgetMs: 3000, retryWaitsMs: [500], verifyWaitsMs: [100, 200, 400, 800, 1600], minIntervalMs: 10 };
const WAVE = { size: 3, intervalMs: 3000 };

test('a group of 10 machines powered on for discovery in waves of 3 every 3 s: 4 waves, the waiting machines say which wave they wait for', async () => {
  const ilos: FakeIlo[] = [];
  const { store, dispose } = await openTestStore('sqlite');
  try {
    const platform = createPlatform('standalone', store);
    const kinds = jobKinds({ bootSeconds: 1200, installSeconds: 7200 }, { power: powerHook(KEY_FILE, { policy: POLICY, waves: WAVE }) });
    const o = {
      db: store.db,
      dialect: 'sqlite' as const,
      platform,
      kinds,
      owner: 'test:1',
      leaseSeconds: 120,
      batchSize: 50,
      maxAttempts: 3,
      budgetMs: 60_000,
      log: { info() {}, warn() {}, error() {} },
    };
    const hostIds: number[] = [];
    for (let i = 0; i < 10; i++) {
      const ilo = await startFakeIlo({ generation: 'ilo4', powerDelayMs: 50 });
      ilos.push(ilo);
      const host = await platform.addHost({ name: `rack${i}`, macs: [`52:54:00:00:31:${String(i).padStart(2, '0')}`] });
      await writeHostBmc(store.db.manager, {
        ...sealBmc(host.id, `ribcl://${ilo.user}@127.0.0.1:${ilo.port}`, ilo.password, openSecretBox(KEY_FILE)),
        certSha256: ilo.certSha256,
      });
      hostIds.push(host.id);
    }
    await setTask(store.db, platform, kinds, { hostIds, task: 'discover', force: false, actor: 'test' });

    await runnerTick(o);
    assert.deepEqual(
      ilos.map((i) => i.power()),
      [...Array(3).fill('ON'), ...Array(7).fill('OFF')],
    );
    assert.match(
      (await getHost(store.db.manager, hostIds[3]!)).status ?? '',
      /^waiting for boot wave 2 \(3 machines every 3 s: set by power\.waveSize\) \(step 2\/3\) since \d\d:\d\d$/,
    );
    assert.match((await getHost(store.db.manager, hostIds[0]!)).status ?? '', /^waiting for the inventory from discovery \(started through its BMC\)/);

    // Ticks as `dploy serve`'s cron would run them, more often; a waiting job is claimed by none before its wave opens.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const jobs = await listJobs(store.db.manager, {});
      if (jobs.every((j) => j.state === 'booting-bmc')) break;
      await sleep(200);
      await runnerTick(o);
    }
    assert.deepEqual(
      ilos.map((i) => i.power()),
      Array(10).fill('ON'),
    );
    const onAt = ilos.map((i) => i.commandTimes[i.commands.indexOf('SET_HOST_POWER Yes')]!).sort((a, b) => a - b);
    // Waves are told apart by the pause between them: inside one a machine follows the last within a second
    // (its PXE flag, power on, verification), the next wave opens 3 s after the previous one opened.
    const waves: number[][] = [];
    for (const t of onAt) {
      const last = waves.at(-1);
      if (last && t - last.at(-1)! < 1200) last.push(t);
      else waves.push([t]);
    }
    assert.deepEqual(
      waves.map((w) => w.length),
      [3, 3, 3, 1],
      JSON.stringify(onAt.map((t) => t - onAt[0]!)),
    );
    for (let k = 1; k < waves.length; k++)
      assert.ok(waves[k]![0]! - waves[k - 1]![0]! >= 2000, `wave ${k + 1} opened too early: ${JSON.stringify(onAt.map((t) => t - onAt[0]!))}`);
    assert.ok(ilos.every((i) => i.commands.join() === 'SET_ONE_TIME_BOOT NETWORK,SET_HOST_POWER Yes'));
  } finally {
    for (const ilo of ilos) await ilo.stop();
    await dispose();
  }
});

// Power tasks and power-aware discover through the real runner on SQLite,
// with the real ipmitool against OpenIPMI's ipmi_sim as each machine's BMC,
// and an old HP iLO (the fake of test/support/fake-ilo.ts, TLS 1.0 only).

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { powerHook } from '../../../plugin/jobs/power-hook.js';
import { runnerTick, type RunnerOptions } from '../../../plugin/jobs/runner.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { createPlatform, type Platform } from '../../../plugin/platforms/index.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { sealBmc } from '../../../plugin/power/bmc-credentials.js';
import type { TaskKind } from '../../../plugin/model/task.js';
import type { Store } from '../../../plugin/store/database.js';
import { pinBmcCertificate, writeHostBmc } from '../../../plugin/store/host-bmcs.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import { openTestStore } from '../../support/databases.js';
import { startFakeIlo } from '../../support/fake-ilo.js';
import { startIpmiSim, SIM_USERS, type IpmiSim } from '../../support/ipmi-sim.js';

const KEY_FILE = join(mkdtempSync(join(tmpdir(), 'dploy-power-key-')), 'secret.key');
const POLICY = { callBudgetMs: 3000, retryWaitsMs: [1000], verifyWaitsMs: [500, 1000, 2000, 4000], minIntervalMs: 100 };
const kinds = jobKinds({ bootSeconds: 1200, installSeconds: 7200 }, { power: powerHook(KEY_FILE, { policy: POLICY }) });

let sim: IpmiSim;
let store: Store;
let dispose: () => Promise<void>;
let platform: Platform;
let o: RunnerOptions;

before(async () => {
  sim = await startIpmiSim({ powerOnDelayS: 1, initialPower: 'off' });
  ({ store, dispose } = await openTestStore('sqlite'));
  platform = createPlatform('standalone', store);
  o = {
    db: store.db,
    dialect: 'sqlite',
    platform,
    kinds,
    owner: 'test:1',
    leaseSeconds: 120,
    batchSize: 50,
    maxAttempts: 3,
    budgetMs: 60_000,
    log: { info() {}, warn() {}, error() {} },
  };
});
after(async () => {
  await dispose?.();
  await sim?.stop();
});

async function hostWithBmc(name: string, mac: string, password: string = SIM_USERS.oper): Promise<number> {
  const host = await platform.addHost({ name, macs: [mac] });
  await writeHostBmc(store.db.manager, sealBmc(host.id, `ipmi://oper@127.0.0.1:${sim.port}`, password, openSecretBox(KEY_FILE)));
  return host.id;
}

async function runTask(hostId: number, task: TaskKind) {
  await setTask(store.db, platform, kinds, { hostIds: [hostId], task, force: false, actor: 'test' });
  await runnerTick(o);
  const [job] = await listJobs(store.db.manager, { hostId });
  return {
    job: job!,
    status: (await getHost(store.db.manager, hostId)).status ?? '',
    events: (await jobEvents(store.db.manager, job!.id)).map((e) => e.message),
  };
}

test('dploy task HOST power-on: the runner powers the machine on through its BMC, verified, and says so', async () => {
  const id = await hostWithBmc('bmc01', '52:54:00:00:21:01');
  const { job, status } = await runTask(id, 'power-on');
  assert.equal(job.state, 'done');
  assert.match(status, /^powered on \(power on sent, machine is on\) at \d\d:\d\d$/);
  assert.equal(await sim.power(), 'on');
  const second = await runTask(id, 'power-status');
  assert.match(second.status, /^power status: machine is on at \d\d:\d\d$/);
});

test('a host without a BMC: the power task fails at once with what to do', async () => {
  const host = await platform.addHost({ name: 'nobmc01', macs: ['52:54:00:00:21:02'] });
  const { job, status } = await runTask(host.id, 'power-off');
  assert.equal(job.state, 'failed');
  assert.equal(status, 'failed: host nobmc01 has no BMC; set one with dploy hosts set nobmc01 --bmc ipmi://user@address');
});

test('a wrong BMC password fails the job at once (not retried), and the password is nowhere in it', async () => {
  const id = await hostWithBmc('bmc02', '52:54:00:00:21:03', 'wrong-pass-123');
  const { job, status, events } = await runTask(id, 'power-cycle');
  assert.equal(job.state, 'failed');
  assert.match(status, /^failed: IPMI 127\.0\.0\.1: login refused: wrong user or password/);
  assert.ok(!events.some((m) => /attempt 1 of/.test(m)), events.join('\n'));
  assert.ok(!events.join('\n').includes('wrong-pass-123'));
});

test('discover on a host with a BMC: boot state set, PXE once, power cycle, and the status says it was started through its BMC', async () => {
  await runTask((await getHost(store.db.manager, 'bmc01')).id, 'power-off');
  assert.equal(await sim.power(), 'off');
  const seenBefore = (await sim.seen()).length;
  const id = (await getHost(store.db.manager, 'bmc01')).id;
  await setTask(store.db, platform, kinds, { hostIds: [id], task: 'discover', force: false, actor: 'test' });
  await runnerTick(o);
  const job = (await listJobs(store.db.manager, { hostId: id })).find((j) => j.kind === 'discover')!;
  assert.equal(job.state, 'booting-bmc');
  const host = await getHost(store.db.manager, id);
  assert.deepEqual(host.bootState, { kind: 'discover' });
  assert.match(host.status ?? '', /^waiting for the inventory from discovery \(started through its BMC\) \(step 2\/3\) since/);
  const events = (await jobEvents(store.db.manager, job.id)).map((e) => e.message);
  assert.deepEqual(events.slice(-2), [
    'boot state set to discover; powering the machine through its BMC',
    'next boot set to PXE once (bios); was off, so powered on instead of cycle; waiting for the machine to boot',
  ]);
  assert.deepEqual((await sim.seen()).slice(seenBefore), ['set boot pxe', 'set power 1']);
});

test('an old iLO stored as ribcl://…?tls=1.0: refused until its certificate is pinned (the refusal names it), then powered on by the runner', async () => {
  const ilo = await startFakeIlo({ generation: 'ilo2', tls10Only: true, powerDelayMs: 200 });
  try {
    const host = await platform.addHost({ name: 'ilo01', macs: ['52:54:00:00:21:09'] });
    await writeHostBmc(store.db.manager, sealBmc(host.id, `ribcl://${ilo.user}@127.0.0.1:${ilo.port}?tls=1.0`, ilo.password, openSecretBox(KEY_FILE)));
    const refused = await runTask(host.id, 'power-on');
    assert.equal(refused.job.state, 'failed');
    assert.ok(refused.status.includes(`dploy hosts accept-cert HOST --fingerprint ${ilo.certSha256}`), refused.status);
    assert.equal(ilo.logins.length, 0);
    // What `dploy hosts accept-cert ilo01 --fingerprint …` writes.
    await pinBmcCertificate(store.db.manager, host.id, ilo.certSha256);
    await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'power-on', force: false, actor: 'test' });
    await runnerTick(o);
    const job = (await listJobs(store.db.manager, { hostId: host.id })).find((j) => j.id !== refused.job.id)!;
    assert.equal(job.state, 'done');
    assert.match((await getHost(store.db.manager, host.id)).status ?? '', /^powered on \(power on sent, machine is on\) at \d\d:\d\d$/);
    assert.equal(ilo.power(), 'ON');
    assert.deepEqual(ilo.commands, ['SET_HOST_POWER Yes']);
    assert.ok(ilo.logins.every((l) => l.ok && l.via === 'raw'));
  } finally {
    await ilo.stop();
  }
});

// The runner's rules on a real database (SQLite, MariaDB, PostgreSQL), with
// the clock injected where time matters (the MAAS way) instead of sleeping.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../../plugin/store/database.js';
import { createPlatform, type Platform } from '../../../plugin/platforms/index.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { runnerTick, type RunnerOptions } from '../../../plugin/jobs/runner.js';
import { expireWaits } from '../../../plugin/jobs/timeouts.js';
import { applyAgentEvent } from '../../../plugin/jobs/agent-events.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import type { JobKindSpec } from '../../../plugin/jobs/job-kind.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { setHostTask } from '../../../plugin/store/tasks.js';
import { jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import { isDployError } from '../../../plugin/errors.js';
import { installPreflight, saveProfile } from '../../../plugin/installers/index.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as unknown;
import { openTestStore, DIALECTS } from '../../support/databases.js';
import { parseInventory } from '../../../plugin/inventory/index.js';

const LSHW = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url));
// As dploy serve and dploy runner build them: install jobs checked when they open.
const checked = jobKinds({ bootSeconds: 1200, installSeconds: 7200 }, { installCheck: ({ db, host, job }) => installPreflight()(db, host, job) });

const kinds = jobKinds({ bootSeconds: 1200, installSeconds: 7200 });
const quiet = { info() {}, warn() {}, error() {} };

async function withRunner(dialect: (typeof DIALECTS)[number], body: (o: RunnerOptions, store: Store, platform: Platform) => Promise<void>, custom = kinds) {
  const { store, dispose } = await openTestStore(dialect);
  try {
    await saveProfile(store.db.manager, PROFILE, { replace: false });
    const platform = createPlatform('standalone', store);
    const options: RunnerOptions = {
      db: store.db,
      dialect,
      platform,
      kinds: custom,
      owner: 'test:1',
      leaseSeconds: 60,
      batchSize: 50,
      maxAttempts: 3,
      budgetMs: 10_000,
      log: quiet,
    };
    await body(options, store, platform);
  } finally {
    await dispose();
  }
}

for (const dialect of DIALECTS) {
  describe(`runner on ${dialect}`, () => {
    test('install: task -> booting -> agent callbacks -> deployed, with the story in the event log and the console', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await platform.addHost({ name: 'web01', macs: ['52:54:00:00:00:01'] });
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'install', profile: 'debian-12-web', force: false, actor: 'test' });
        const first = await runnerTick(o);
        assert.equal(first.created, 1);
        let shown = await getHost(store.db.manager, host.id);
        assert.deepEqual(shown.bootState, { kind: 'install', profile: 'debian-12-web' });
        assert.match(shown.status ?? '', /^waiting for the machine to boot the debian-12-web installer \(step 2\/4\) since \d\d:\d\d$/);
        assert.equal((await runnerTick(o)).created, 0, 'the task is not taken twice while its job runs');

        assert.equal((await applyAgentEvent(store.db, kinds, host.id, 'answer-fetched', 'ks fetched')).outcome, 'moved');
        assert.equal((await applyAgentEvent(store.db, kinds, host.id, 'inventory', '')).outcome, 'ignored');
        assert.equal((await applyAgentEvent(store.db, kinds, host.id, 'installed', 'anaconda done')).outcome, 'moved');
        await runnerTick(o);
        shown = await getHost(store.db.manager, host.id);
        assert.deepEqual(shown.bootState, { kind: 'localboot' });
        assert.match(shown.status ?? '', /^deployed debian-12-web at \d\d:\d\d$/);
        assert.deepEqual(await platform.pendingTasks(), [], 'task field cleared');
        const [job] = await listJobs(store.db.manager, { hostId: host.id });
        const story = (await jobEvents(store.db.manager, job!.id)).map((e) => `${e.fromState ?? ''}>${e.toState} ${e.actor}`);
        assert.deepEqual(story, [
          '>queued runner:test:1',
          'queued>booting runner:test:1',
          'booting>installing agent',
          'installing>installing agent',
          'installing>finishing agent',
          'finishing>done runner:test:1',
        ]);
      }));

    test('a machine that never calls back fails after the boot timeout, back on local boot, with the reason in words', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await platform.addHost({ name: 'web02', macs: ['52:54:00:00:00:02'] });
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'install', profile: 'debian-12-web', force: false, actor: 'test' });
        await runnerTick(o);
        assert.equal((await expireWaits(store.db, kinds, 'runner:test', new Date(Date.now() + 19 * 60_000))).length, 0, 'not before 20 min');
        const expired = await expireWaits(store.db, kinds, 'runner:test', new Date(Date.now() + 21 * 60_000));
        assert.equal(expired.length, 1);
        await runnerTick(o);
        const shown = await getHost(store.db.manager, host.id);
        assert.deepEqual(shown.bootState, { kind: 'localboot' });
        assert.equal(shown.status, 'failed: answer file not fetched within 20 min');
        assert.deepEqual(await platform.pendingTasks(), []);
      }));

    test('a new task on a busy machine is refused with the reason; --force cancels the old job with an event', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await platform.addHost({ name: 'db01', macs: ['52:54:00:00:00:03'] });
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'install', profile: 'debian-12-web', force: false, actor: 'test' });
        await runnerTick(o);
        await assert.rejects(
          setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'discover', force: false, actor: 'test' }),
          (err) => isDployError(err, 'DPLOY_ERR_CONFLICT') && /install job \d+ \(booting\)/.test(err.message),
        );
        const { cancelled } = await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'discover', force: true, actor: 'cli' });
        assert.equal(cancelled.length, 1);
        const old = (await jobEvents(store.db.manager, cancelled[0]!)).at(-1)!;
        assert.equal(old.toState, 'cancelled');
        assert.match(old.message, /replaced by discover \(--force, cli\)/);
        await runnerTick(o);
        assert.deepEqual((await getHost(store.db.manager, host.id)).bootState, { kind: 'discover' });
      }));

    test('a task set while a job runs waits for it, then runs after it; the cancel task ends a running job', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await platform.addHost({ name: 'db02', macs: ['52:54:00:00:00:07'] });
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'discover', force: false, actor: 'test' });
        await runnerTick(o);
        // What a console does: it writes the task field, busy or not.
        await setHostTask(store.db.manager, host.id, 'install', 'debian-12-web');
        await runnerTick(o);
        assert.match(
          (await getHost(store.db.manager, host.id)).status ?? '',
          /^install debian-12-web waits: it starts when discover job \d+ \(booting\) ends; to end it now: dploy jobs cancel \d+/,
        );
        await applyAgentEvent(store.db, kinds, host.id, 'inventory', '');
        await runnerTick(o);
        assert.deepEqual(
          (await platform.pendingTasks()).map((t) => [t.task, t.profile]),
          [['install', 'debian-12-web']],
          'the end of the discovery keeps the task set meanwhile',
        );
        await runnerTick(o);
        const jobs = await listJobs(store.db.manager, { hostId: host.id });
        assert.deepEqual(
          jobs.map((j) => [j.kind, j.state]).sort(),
          [
            ['discover', 'done'],
            ['install', 'booting'],
          ],
          'the install ran after the discovery',
        );

        await setHostTask(store.db.manager, host.id, 'cancel');
        const tick = await runnerTick(o);
        assert.equal(tick.cancelled, 1);
        const shown = await getHost(store.db.manager, host.id);
        assert.match(shown.status ?? '', /^cancelled: cancelled by the operator \(task cancel\); ready for the next task$/);
        assert.deepEqual(shown.bootState, { kind: 'localboot' });
        assert.deepEqual(await platform.pendingTasks(), [], 'the task field is back to none');
        assert.deepEqual((await listJobs(store.db.manager, { hostId: host.id })).map((j) => j.state).sort(), ['cancelled', 'done']);
      }));

    test('a failing step is retried with growing waits, then fails the job with the reason', () => {
      let calls = 0;
      const flaky: JobKindSpec = {
        kind: 'power-cycle',
        doneStatus: 'powered',
        states: {
          queued: {
            step: 1,
            status: 'powering',
            run: async () => {
              calls++;
              throw new Error('BMC 10.0.0.9 did not answer');
            },
          },
        },
      };
      return withRunner(
        dialect,
        async (o, store, platform) => {
          const host = await platform.addHost({ name: 'bmc01', macs: ['52:54:00:00:00:04'] });
          await platform.setTask!([host.id], 'power-cycle', {});
          await runnerTick(o);
          assert.equal(calls, 1, 'second try waits for its backoff');
          // Let the backoff pass by moving the lease into the past, as time would.
          await store.db.query(`UPDATE dploy_jobs SET lease_until = ${dialect === 'postgres' ? '$1' : '?'}`, [
            dialect === 'sqlite' ? '2000-01-01 00:00:00.000' : new Date(0),
          ]);
          await runnerTick(o);
          await store.db.query(`UPDATE dploy_jobs SET lease_until = ${dialect === 'postgres' ? '$1' : '?'}`, [
            dialect === 'sqlite' ? '2000-01-01 00:00:00.000' : new Date(0),
          ]);
          await runnerTick(o);
          assert.equal(calls, 3);
          const [job] = await listJobs(store.db.manager, { hostId: host.id });
          assert.equal(job!.state, 'failed');
          assert.equal((await getHost(store.db.manager, host.id)).status, 'failed: BMC 10.0.0.9 did not answer (after 3 attempts)');
          const messages = (await jobEvents(store.db.manager, job!.id)).map((e) => e.message);
          assert.ok(
            messages.some((m) => /attempt 1 of 3 failed: BMC 10\.0\.0\.9 did not answer; retrying in 15 s/.test(m)),
            messages.join('\n'),
          );
        },
        new Map([...kinds, ['power-cycle', flaky]]),
      );
    });

    test('a task on a group makes one job per member', () =>
      withRunner(dialect, async (o, store, platform) => {
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push((await platform.addHost({ name: `n${i}`, macs: [`52:54:00:00:01:0${i}`] })).id);
        await setTask(store.db, platform, kinds, { hostIds: ids, task: 'discover', force: false, actor: 'test' });
        assert.equal((await runnerTick(o)).created, 5);
        assert.equal((await listJobs(store.db.manager, { active: true })).length, 5);
      }));

    test('an install that can never succeed fails as its job opens, with the reason, and the machine never leaves local boot', () =>
      withRunner(
        dialect,
        async (o, store, platform) => {
          const bare = await platform.addHost({ name: 'web09', macs: ['52:54:00:00:00:09'] });
          // An inventory whose disks are all removable (USB sticks, as lshw marks them): nothing for the single-disk policy.
          const sticks = Buffer.from(
            LSHW.toString('utf8').replace(
              /(<node id="[^"]*" claimed="true" class="disk"[^>]*>)/g,
              '$1<capabilities><capability id="removable">support is removable</capability></capabilities>',
            ),
          );
          const machine = await platform.recordInventory(parseInventory(sticks, 'xml'), { format: 'xml', body: sticks });
          await setTask(store.db, platform, checked, {
            hostIds: [bare.id, machine.host.id],
            task: 'install',
            profile: 'debian-12-web',
            force: false,
            actor: 'test',
          });
          const report = await runnerTick(o);
          assert.equal(report.created, 2);
          assert.equal(report.failedSteps, 0, "a refusal is the job's end, not a step to retry");
          const jobs = await listJobs(store.db.manager, {});
          const byHost = new Map(jobs.map((j) => [j.hostId, j]));
          assert.equal(byHost.get(bare.id)?.state, 'failed');
          assert.equal(
            byHost.get(bare.id)?.message,
            'cannot install debian-12-web: web09 has no inventory yet: discover it first (dploy task set web09 discover) so dploy can choose its install disk',
          );
          assert.equal(byHost.get(machine.host.id)?.state, 'failed');
          assert.match(byHost.get(machine.host.id)?.message ?? '', /^cannot install debian-12-web: .*diskPolicy first \(single\) needs 1 non-removable disk/);
          for (const id of [bare.id, machine.host.id]) {
            const shown = await getHost(store.db.manager, id);
            assert.deepEqual(shown.bootState, { kind: 'localboot' });
            assert.match(shown.status ?? '', /^failed: cannot install debian-12-web: /);
          }
          assert.equal((await runnerTick(o)).created, 0, 'the failed task is not reopened on every tick');
        },
        checked,
      ));
  });
}

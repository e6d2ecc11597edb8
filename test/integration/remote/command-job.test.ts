// The `command` job kind end to end: a task set as the CLI sets it, the real
// runner, a real sshd, and the three databases. What the operator reads (the
// status and the event log) is what is asserted.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatform, type Platform } from '../../../plugin/platforms/index.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { runnerTick, type RunnerOptions } from '../../../plugin/jobs/runner.js';
import { claimJobs } from '../../../plugin/jobs/leases.js';
import { expireWaits } from '../../../plugin/jobs/timeouts.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { setRemoteAccess } from '../../../plugin/store/remote-access.js';
import { acceptOfferedKey } from '../../../plugin/store/ssh-host-keys.js';
import type { Store } from '../../../plugin/store/database.js';
import { DIALECTS, openTestStore } from '../../support/databases.js';
import { startSshd, type TestSshd } from '../../support/sshd.js';

const MACHINES = 4;
let sshd: TestSshd;
before(async () => {
  sshd = await startSshd(MACHINES);
});
after(async () => {
  await sshd?.stop();
});

const box = openSecretBox(join(mkdtempSync(join(tmpdir(), 'dploy-key-')), 'secret.key'));
const kinds = jobKinds(
  { bootSeconds: 1200, installSeconds: 7200 },
  { remote: { secrets: () => box, deadlineSeconds: 20, capBytes: 16 * 1024, defaultConcurrency: 10 } },
);
const quiet = { info() {}, warn() {}, error() {} };

async function withRunner(dialect: (typeof DIALECTS)[number], body: (o: RunnerOptions, store: Store, platform: Platform) => Promise<void>) {
  const { store, dispose } = await openTestStore(dialect);
  try {
    const platform = createPlatform('standalone', store);
    await body(
      { db: store.db, dialect, platform, kinds, owner: 'test:1', leaseSeconds: 60, batchSize: 50, maxAttempts: 3, budgetMs: 30_000, log: quiet },
      store,
      platform,
    );
  } finally {
    await dispose();
  }
}

async function machine(store: Store, platform: Platform, i: number) {
  const host = await platform.addHost({ name: `m${i}`, macs: [`52:54:00:00:02:0${i}`] });
  await setRemoteAccess(store.db.manager, box, { hostId: host.id }, { address: '127.0.0.1', port: sshd.ports[i]!, user: sshd.user, password: sshd.password });
  return host;
}

async function runUntilSettled(o: RunnerOptions) {
  for (let i = 0; i < 60; i++) {
    await runnerTick(o);
    const jobs = await listJobs(o.db.manager, {});
    // No job yet is not settled: another runner's intake may still be opening them.
    if (jobs.length > 0 && jobs.every((j) => ['done', 'failed', 'cancelled'].includes(j.state))) return jobs;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('jobs did not settle');
}

for (const dialect of DIALECTS) {
  describe(`command jobs on ${dialect}`, () => {
    test('a command runs on the machine; its output and exit status are in the event log and the status', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await machine(store, platform, 0);
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'command', command: 'echo hello from $(id -un)', force: false, actor: 'test' });
        const [job] = await runUntilSettled(o);
        assert.equal(job!.state, 'done');
        const events = (await jobEvents(store.db.manager, job!.id)).map((e) => e.message);
        assert.ok(events.includes(`output 1/1:\nhello from ${sshd.user}\n`), events.join(' | '));
        assert.match(
          events.at(-1)!,
          new RegExp(
            `^${sshd.user}@127\\.0\\.0\\.1:${sshd.ports[0]}: exit status 0 \\(${`hello from ${sshd.user}`.length + 1} bytes of output, \\d+\\.\\d s\\)$`,
          ),
        );
        assert.match((await getHost(store.db.manager, host.id)).status ?? '', /^command done, exit status 0 at \d\d:\d\d$/);
      }));

    test('a non-zero exit fails the job with the status; a changed host key is refused until accepted', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await machine(store, platform, 1);
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'command', command: 'echo oops >&2; exit 3', force: false, actor: 'test' });
        await runUntilSettled(o);
        assert.match((await getHost(store.db.manager, host.id)).status ?? '', /^failed: .*: command exited with status 3 \(5 bytes of output, /);

        await sshd.changeHostKey();
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'command', command: 'echo after', force: false, actor: 'test' });
        await runUntilSettled(o);
        assert.match(
          (await getHost(store.db.manager, host.id)).status ?? '',
          new RegExp(`^failed: .*host key changed; .*dploy hosts accept-key 127\\.0\\.0\\.1:${sshd.ports[1]}`),
        );

        await acceptOfferedKey(store.db.manager, `127.0.0.1:${sshd.ports[1]}`);
        await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'command', command: 'echo after', force: false, actor: 'test' });
        await runUntilSettled(o);
        assert.match((await getHost(store.db.manager, host.id)).status ?? '', /^command done/);
      }));

    test('a runner that dies mid-command leaves the job to the timeout: no other runner runs the command twice', () =>
      withRunner(dialect, async (o, store, platform) => {
        const host = await machine(store, platform, 2);
        const marks = join(mkdtempSync(join(tmpdir(), 'dploy-runs-')), 'runs');
        execFileSync('chmod', ['777', join(marks, '..')]);
        await setTask(store.db, platform, kinds, {
          hostIds: [host.id],
          task: 'command',
          command: `echo run >> ${marks}; sleep 3`,
          force: false,
          actor: 'test',
        });
        const first = runUntilSettled(o);
        const runs = () => {
          try {
            return readFileSync(marks, 'utf8').split('\n').filter(Boolean).length;
          } catch {
            return 0;
          }
        };
        for (let i = 0; i < 100 && runs() === 0; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(runs(), 1, 'the command never started');
        // As if the first runner had died now: another runner looks after the old lease (deadline + 60 s) ran out…
        const [job] = await listJobs(store.db.manager, {});
        const later = (seconds: number) => new Date(Date.now() + seconds * 1000);
        const claimed = await claimJobs(store.db, dialect, kinds, { owner: 'test:other', leaseSeconds: 60, batchSize: 10, now: later(20 + 61) });
        assert.deepEqual(
          claimed.map((j) => j.id),
          [],
          'another runner claimed the running command job',
        );
        // …and the timeout, not a second run, ends it.
        const expired = await expireWaits(store.db, kinds, 'test:other', later(20 + 301));
        assert.deepEqual(
          expired.map((j) => [j.id, j.state]),
          [[job!.id, 'failed']],
        );
        await first.catch(() => undefined);
        assert.equal(runs(), 1);
      }));

    test('a group command runs on every machine, never more at once than the group allows', () =>
      withRunner(dialect, async (o, store, platform) => {
        const hosts = [];
        for (let i = 0; i < MACHINES; i++) hosts.push(await machine(store, platform, i));
        const group = await createGroup(store.db.manager, 'rack');
        await addGroupMembers(
          store.db.manager,
          'rack',
          hosts.map((h) => h.id),
        );
        await setRemoteAccess(store.db.manager, box, { groupId: group.id }, { concurrency: 2 });
        const dir = `/tmp/dploy-slots-${dialect}-${process.pid}`;
        execFileSync('install', ['-d', '-m', '1777', dir]);
        // Each machine says how many are inside the command with it, then lingers so that overlaps happen.
        const command = `touch ${dir}/$$; echo inside=$(ls ${dir} | wc -l); sleep 1.5; rm ${dir}/$$`;
        await setTask(store.db, platform, kinds, { hostIds: hosts.map((h) => h.id), task: 'command', command, groupId: group.id, force: false, actor: 'test' });
        // Several runners at once, as several dploy processes would, each claiming one job at a time (a runner
        // runs its claimed jobs one after the other). SQLite has one writer: one runner.
        const runners = dialect === 'sqlite' ? [o] : ['a', 'b', 'c'].map((n) => ({ ...o, owner: `test:${n}`, batchSize: 1 }));
        const jobs = (await Promise.all(runners.map(runUntilSettled)))[0]!;
        assert.deepEqual(
          jobs.map((j) => j.state),
          hosts.map(() => 'done'),
        );
        const seen: number[] = [];
        for (const job of jobs)
          for (const e of await jobEvents(store.db.manager, job.id)) {
            const m = /inside=(\d+)/.exec(e.message);
            if (m) seen.push(Number(m[1]));
          }
        assert.equal(seen.length, MACHINES);
        assert.ok(Math.max(...seen) <= 2, `limit 2 exceeded: ${seen.join(',')}`);
        if (dialect !== 'sqlite') assert.equal(Math.max(...seen), 2, `runners never overlapped: ${seen.join(',')}`);
        const waited = (await Promise.all(jobs.map((j) => jobEvents(store.db.manager, j.id))))
          .flat()
          .filter((e) => /waiting for a slot: 2 of 2/.test(e.message));
        if (dialect !== 'sqlite') assert.ok(waited.length > 0, 'no job ever waited for a slot');
        execFileSync('rm', ['-rf', dir]);
      }));
  });
}

// The operator's task loop in the real OCS console: each task is set on the
// computer's detail page (Administrative data, tab "dploy", OK) as an operator
// does it, the runner ticks as `dploy runner --once` under cron, and what the
// operator reads back is the console's own page. Machines boot as mindi's
// agent script posts them, to `dploy serve` on the stack's ocsweb.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { OcsConsole } from '../../support/ocs/console.js';
import { openAdminTab, saveAdminTab } from '../../support/ocs/detail-admin-data.js';
import { startDployOnOcs, type DployOnOcs } from '../../support/ocs/dploy-on-ocsweb.js';
import { ocsQuery } from '../../support/ocs/db.js';
import { runDploy } from '../../support/cli.js';

const FORGET = ['52:54:00:c6:01:11', '52:54:00:c6:01:12'];
const QUEUE = ['52:54:00:c6:02:21', '52:54:00:c6:02:22'];
const CANCEL = ['52:54:00:c6:03:31', '52:54:00:c6:03:32'];
const FIXTURE = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');
/** Real lshw output of a q35/OVMF VM, given a test machine's own MACs, serial and SMBIOS UUID. */
const lshwOf = (macs: string[]) =>
  FIXTURE.split('52:54:00:d0:00:11')
    .join(macs[0]!)
    .split('52:54:00:d0:00:12')
    .join(macs[1]!)
    .split('DPLOY-FIX-0002')
    .join(`DPLOY-TASK-${macs[0]!.slice(-5).replace(':', '')}`)
    .split('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02')
    .join(`6f1c2a9e-3b4d-4e5f-8a7b-${macs[0]!.replace(/:/g, '')}`);

let dploy: DployOnOcs;
let ocs: OcsConsole;
before(async () => {
  dploy = await startDployOnOcs();
  await dploy.forget([...FORGET, ...QUEUE, ...CANCEL]);
  ocs = new OcsConsole();
  await ocs.login();
});
after(async () => {
  await dploy?.forget([...FORGET, ...QUEUE, ...CANCEL]);
  await dploy?.stop();
});

/** The machine boots discovery: its inventory posted as dploy-inventory posts it; returns dploy's answer. */
async function boot(macs: string[]): Promise<{ host_id: number; created: boolean }> {
  const posted = await fetch(`${dploy.serve.url}/agent/v1/inventory`, {
    method: 'POST',
    body: gzipSync(lshwOf(macs)),
    headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': dploy.token },
  });
  const text = await posted.text();
  assert.equal(posted.status, 200, text);
  return JSON.parse(text) as { host_id: number; created: boolean };
}

async function tick(): Promise<void> {
  const run = await runDploy(['runner', '--once'], { cwd: dploy.cwd, env: dploy.env });
  assert.equal(run.code, 0, run.stderr);
}

/** The computer as All computers lists it (dploy names it host-<first MAC>). */
async function listed(macs: string[]): Promise<number[]> {
  const name = `host-${macs[0]!.replace(/:/g, '')}`;
  return (await ocs.allComputers()).filter((c) => c.name === name).map((c) => c.id);
}

/** What the detail page's dploy tab shows. */
async function dployTab(id: number): Promise<{ task: string | undefined; status: string | undefined }> {
  const data = await ocs.adminData(id);
  return { task: data['dploy task'], status: data['dploy status'] };
}

async function setTask(id: number, task: string): Promise<void> {
  await saveAdminTab(await openAdminTab(ocs, id, 'dploy'), { DPLOYTASK: task });
}

async function jobsOf(macs: string[]): Promise<Array<[string, string]>> {
  const rows = await ocsQuery<{ kind: string; state: string }>(
    'SELECT j.kind, j.state FROM dploy_jobs j JOIN dploy_host_macs m ON m.host_id = j.host_id WHERE m.mac = ? ORDER BY j.id',
    [macs[0]],
  );
  return rows.map((r) => [r.kind, r.state]);
}

test('DPLOYTASK forget: the computer stays, its task goes back to none, DPLOYSTATUS says so, and its next boot discovers it again', async () => {
  await boot(FORGET);
  const [id] = await listed(FORGET);
  assert.ok(id, 'the discovered machine is in All computers');
  await setTask(id, 'forget');
  await tick();
  assert.deepEqual(await listed(FORGET), [id], 'the same computer is still in All computers');
  const shown = await dployTab(id);
  assert.equal(shown.task, 'none');
  assert.match(shown.status ?? '', /^forgotten by dploy: its next network boot discovers it again$/);
  assert.deepEqual(await jobsOf(FORGET), [], 'dploy let go of the machine (its host and job are gone)');

  await tick();
  assert.deepEqual(await jobsOf(FORGET), [], 'the next tick takes no task: forget does not come back');
  const again = await boot(FORGET);
  assert.equal(again.created, true, 'the next boot is a discovery');
  assert.deepEqual(await listed(FORGET), [id], 'into the same computer');
  const [host] = await ocsQuery<{ platform_ref: string }>('SELECT platform_ref FROM dploy_hosts WHERE id = ?', [again.host_id]);
  assert.equal(host?.platform_ref, String(id));
});

test('a task set while a job runs waits, says how to end the job from the console, and runs when the job ends', async () => {
  await boot(QUEUE);
  const [id] = await listed(QUEUE);
  assert.ok(id);
  await setTask(id, 'discover');
  // The operator opens the tab now and presses OK later: the page keeps the status it showed.
  const open = await openAdminTab(ocs, id, 'dploy');
  await tick();
  assert.match((await dployTab(id)).status ?? '', /^waiting for the inventory from discovery/);
  await saveAdminTab(open, { DPLOYTASK: 'localboot' });
  assert.doesNotMatch((await dployTab(id)).status ?? '', /waiting for the inventory/, 'the console wrote back the status it had loaded');

  await tick();
  const waiting = await dployTab(id);
  assert.equal(waiting.task, 'localboot', 'the new task is kept while the discovery runs');
  assert.match(
    waiting.status ?? '',
    /^localboot waits: it starts when discover job \d+ \(booting\) ends; to end it now, set DPLOYTASK to cancel, then set the task again$/,
  );
  assert.doesNotMatch(waiting.status ?? '', /--force/);

  await boot(QUEUE);
  await tick();
  await tick();
  assert.deepEqual(
    await jobsOf(QUEUE),
    [
      ['discover', 'done'],
      ['localboot', 'done'],
    ],
    'the discovery ended, then the task set meanwhile ran',
  );
  const done = await dployTab(id);
  assert.equal(done.task, 'none');
  assert.match(done.status ?? '', /boots from local disk/);
});

test('DPLOYTASK cancel ends the running job; the field goes back to none for the next task (how the console replaces a job); a stale DPLOYSTATUS saved back is replaced', async () => {
  await boot(CANCEL);
  const [id] = await listed(CANCEL);
  assert.ok(id);
  await setTask(id, 'discover');
  await tick();
  await setTask(id, 'cancel');
  await tick();
  const cancelled = await dployTab(id);
  assert.equal(cancelled.task, 'none');
  assert.match(cancelled.status ?? '', /^cancelled: cancelled by the operator \(task cancel\); ready for the next task$/);
  const stale = await openAdminTab(ocs, id, 'dploy');
  await setTask(id, 'localboot');
  await tick();
  assert.deepEqual(await jobsOf(CANCEL), [
    ['discover', 'cancelled'],
    ['localboot', 'done'],
  ]);
  assert.match((await dployTab(id)).status ?? '', /boots from local disk/);

  // OK pressed on a page loaded before the last job: the console writes back its old DPLOYSTATUS; dploy puts its own back.
  await saveAdminTab(stale, {});
  assert.match((await dployTab(id)).status ?? '', /^cancelled:/);
  await tick();
  assert.match((await dployTab(id)).status ?? '', /boots from local disk/);
});

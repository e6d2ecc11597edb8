// A task on an OCS group's own record goes to the group's members. The group
// is made in the console (a selection of All computers → static group); its
// own accountinfo row gets the task the way a script does it, since
// ocsreports shows no administrative data for a group (ms_computer refuses a
// group's id). The runner then opens one job per member.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { OcsConsole } from '../../support/ocs/console.js';
import { createStaticGroup } from '../../support/ocs/mass-processing.js';
import { startDployOnOcs, type DployOnOcs } from '../../support/ocs/dploy-on-ocsweb.js';
import { ocsQuery, resetGroups } from '../../support/ocs/db.js';
import { runDploy } from '../../support/cli.js';

const MEMBERS = [
  ['52:54:00:c8:01:11', '52:54:00:c8:01:12'],
  ['52:54:00:c8:02:21', '52:54:00:c8:02:22'],
];
const GROUP = 'dploy-group-record';
const FIXTURE = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');
const lshwOf = (macs: string[]) =>
  FIXTURE.split('52:54:00:d0:00:11')
    .join(macs[0]!)
    .split('52:54:00:d0:00:12')
    .join(macs[1]!)
    .split('DPLOY-FIX-0002')
    .join(`DPLOY-GRP-${macs[0]!.slice(-5).replace(':', '')}`)
    .split('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02')
    .join(`6f1c2a9e-3b4d-4e5f-8a7b-${macs[0]!.replace(/:/g, '')}`);

let dploy: DployOnOcs;
before(async () => {
  dploy = await startDployOnOcs();
  await dploy.forget(MEMBERS.flat());
  await resetGroups(GROUP);
});
after(async () => {
  await dploy?.forget(MEMBERS.flat());
  await resetGroups(GROUP);
  await dploy?.stop();
});

test("a task on a group's own record is handed to its members: one job each, the group's task back to none with a status", async () => {
  for (const macs of MEMBERS) {
    const posted = await fetch(`${dploy.serve.url}/agent/v1/inventory`, {
      method: 'POST',
      body: gzipSync(lshwOf(macs)),
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': dploy.token },
    });
    assert.equal(posted.status, 200, await posted.text());
  }
  const ocs = new OcsConsole();
  await ocs.login();
  const names = MEMBERS.map((m) => `host-${m[0]!.replace(/:/g, '')}`);
  const ids = (await ocs.allComputers()).filter((c) => names.includes(c.name)).map((c) => c.id);
  assert.equal(ids.length, 2);
  await createStaticGroup(ocs, GROUP, ids);

  const [group] = await ocsQuery<{ ID: number }>("SELECT ID FROM hardware WHERE DEVICEID = '_SYSTEMGROUP_' AND NAME = ?", [GROUP]);
  const [fields] = await ocsQuery<{ task: string; status: string }>(
    "SELECT MAX(CASE WHEN NAME = 'DPLOYTASK' THEN CONCAT('fields_', ID) END) AS task, MAX(CASE WHEN NAME = 'DPLOYSTATUS' THEN CONCAT('fields_', ID) END) AS status FROM accountinfo_config WHERE ACCOUNT_TYPE = 'COMPUTERS'",
  );
  const [localboot] = await ocsQuery<{ IVALUE: number }>(
    "SELECT IVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYTASK\\_%' AND TVALUE = 'localboot'",
  );
  await ocsQuery(`INSERT INTO accountinfo (HARDWARE_ID, TAG, ${fields!.task}) VALUES (?, 'NA', ?)`, [group!.ID, String(localboot!.IVALUE)]);

  for (let i = 0; i < 2; i++) {
    const run = await runDploy(['runner', '--once'], { cwd: dploy.cwd, env: dploy.env });
    assert.equal(run.code, 0, run.stderr);
  }
  const jobs = await ocsQuery<{ name: string; kind: string; state: string }>(
    'SELECT h.name, j.kind, j.state FROM dploy_jobs j JOIN dploy_hosts h ON h.id = j.host_id WHERE h.name IN (?) ORDER BY h.name',
    [names],
  );
  assert.deepEqual(
    jobs.map((j) => [j.name, j.kind, j.state]),
    names.sort().map((n) => [n, 'localboot', 'done']),
    'one job per member',
  );
  for (const id of ids) {
    const data = await ocs.adminData(id);
    assert.equal(data['dploy task'], 'none', "each member's task ran and was reset");
    assert.match(data['dploy status'] ?? '', /boots from local disk/);
  }
  const [own] = await ocsQuery<{ task: string; status: string }>(
    `SELECT ${fields!.task} AS task, ${fields!.status} AS status FROM accountinfo WHERE HARDWARE_ID = ?`,
    [group!.ID],
  );
  const [none] = await ocsQuery<{ IVALUE: number }>("SELECT IVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYTASK\\_%' AND TVALUE = 'none'");
  assert.deepEqual(own, { task: String(none!.IVALUE), status: "localboot handed to the group's 2 member(s); each member's DPLOYSTATUS follows it" });
});

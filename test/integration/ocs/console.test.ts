// What the operator sees in the real OCS console (ocsinventory-reports over
// HTTP, logged in as admin) and its REST API once dploy discovered a machine:
// the machine is posted as mindi's agent script posts it, to `dploy serve`
// running with platform ocs on the stack's own ocsweb database.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { OcsConsole } from '../../support/ocs/console.js';
import { apiComputerIds, apiComputerSection } from '../../support/ocs/rest-api.js';
import { startDployOnOcs, type DployOnOcs } from '../../support/ocs/dploy-on-ocsweb.js';
import { agentInventory, postToCommServer } from '../../support/ocs/comm-server.js';
import { pageText } from '../../support/ocs/html-form.js';
import { ocsQuery, resetGroups } from '../../support/ocs/db.js';
import { createStaticGroup, setAdminData, setAdminDataOnGroup } from '../../support/ocs/mass-processing.js';
import { runDploy } from '../../support/cli.js';
import { getPage, login } from '../../support/console-client.js';

const MACS = ['52:54:00:c5:01:11', '52:54:00:c5:01:12'];
const SERIAL = 'DPLOY-CONSOLE-0001';
const MERGE_MACS = ['52:54:00:c5:02:21', '52:54:00:c5:02:22'];
const MERGE_SERIAL = 'DPLOY-MERGE-0001';
const FLOW_MACS = [
  ['52:54:00:c5:04:41', '52:54:00:c5:04:42'],
  ['52:54:00:c5:05:51', '52:54:00:c5:05:52'],
  ['52:54:00:c5:06:61', '52:54:00:c5:06:62'],
];
const FLOW_GROUP = 'dploy-flow-racks';
const FIXTURE = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');
/** Real lshw output of a q35/OVMF VM, given a test machine's own MACs, serial and SMBIOS UUID (from its first MAC). */
const lshwOf = (macs: string[], serial: string) =>
  FIXTURE.split('52:54:00:d0:00:11')
    .join(macs[0]!)
    .split('52:54:00:d0:00:12')
    .join(macs[1]!)
    .split('DPLOY-FIX-0002')
    .join(serial)
    .split('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02')
    .join(`6f1c2a9e-3b4d-4e5f-8a7b-${macs[0]!.replace(/:/g, '')}`);
const LSHW = lshwOf(MACS, SERIAL);

async function discover(lshw: string): Promise<void> {
  const posted = await fetch(`${dploy.serve.url}/agent/v1/inventory`, {
    method: 'POST',
    body: gzipSync(lshw),
    headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': dploy.token },
  });
  assert.equal(posted.status, 200, await posted.text());
}

let dploy: DployOnOcs;
before(async () => {
  dploy = await startDployOnOcs();
  await dploy.forget([...MACS, ...MERGE_MACS, ...FLOW_MACS.flat()]);
  await resetGroups(FLOW_GROUP);
});
after(async () => {
  await dploy?.forget([...MACS, ...MERGE_MACS, ...FLOW_MACS.flat()]);
  await resetGroups(FLOW_GROUP);
  await dploy?.stop();
});

test('a machine mindi posted appears in "All computers", on its detail pages and in the REST API', async () => {
  await discover(LSHW);
  const name = 'host-525400c50111';

  const console = new OcsConsole();
  await console.login();
  const listed = (await console.allComputers()).filter((c) => c.name === name);
  assert.equal(listed.length, 1, 'one computer in All computers');
  const computer = listed[0]!;
  const row = Object.values(computer.columns).join(' | ');
  // The list's default columns: TAG, last inventory, name, user, OS, memory MB, CPU MHz.
  assert.equal(computer.columns['RAM (MB)'], '1024', row);
  assert.equal(computer.columns['CPU (MHz)'], '2000', row);
  assert.equal(computer.columns['Account info : TAG'], 'NA', row);

  const bios = await console.computerSection(computer.id, 'bios');
  assert.match(bios, /DPLOY-CONSOLE-0001/);
  assert.match(bios, /q35-ovmf/);
  assert.match(bios, /QEMU-fixture/);
  const network = await console.computerSection(computer.id, 'network');
  for (const mac of MACS) assert.match(network, new RegExp(mac, 'i'));
  const storage = await console.computerSection(computer.id, 'storage');
  assert.match(storage, /nvme0n1/);
  assert.match(storage, /\bsda\b/);
  assert.match(storage, /\bsdb\b/);
  assert.match(await console.computerSection(computer.id, 'cpu'), /QEMU|Intel|AMD/i);
  assert.match(await console.computerSection(computer.id, 'memory'), /1024/);

  // The REST API: the computer is listed, and its sections answer. (GET /computer/<id> whole
  // fails on Debian's 2.8.1 API, which reads a table "unixusers" the 7069 schema lacks.)
  assert.ok((await apiComputerIds()).includes(computer.id), 'listID has the computer');

  // dploy's own console links the host to that computer's page, and OCS's console opens it.
  const [host] = await ocsQuery<{ id: number }>('SELECT id FROM dploy_hosts WHERE name = ?', [name]);
  // ocsweb outlives the run: a user left by an earlier one is removed first.
  await runDploy(['users', 'remove', 'ocs-viewer'], { cwd: dploy.cwd, env: dploy.env });
  const users = await runDploy(['users', 'add', 'ocs-viewer', '--role', 'viewer'], { cwd: dploy.cwd, env: dploy.env, input: 'long enough password\n' });
  assert.equal(users.code, 0, users.stderr);
  const viewer = await login(dploy.serve.url, 'ocs-viewer', 'long enough password');
  const hostPage = await (await getPage(`${dploy.serve.url}/hosts/${host!.id}`, viewer)).text();
  const link = /<a href="([^"]+)">OCS computer page<\/a>/.exec(hostPage)?.[1]?.replace(/&amp;/g, '&');
  assert.equal(link, `${console.base}/index.php?function=computer&head=1&systemid=${computer.id}`);
  assert.match(pageText(await console.get(link!.slice(console.base.length + 1))), new RegExp(`${name}`), "OCS's page is that computer's");
  for (const [field, expected] of [
    ['bios', SERIAL],
    ['networks', MACS[0]!],
    ['hardware', name],
  ] as const) {
    const api = await apiComputerSection(computer.id, field);
    assert.match(JSON.stringify(api), new RegExp(expected, 'i'), `REST ${field}`);
  }
});

test("after install, the real OCS agent's inventory merges into dploy's computer: one computer, administrative data kept, and dploy follows it", async () => {
  await discover(lshwOf(MERGE_MACS, MERGE_SERIAL));
  const name = 'host-525400c50221';
  const [before] = await ocsQuery<{ ID: number }>('SELECT ID FROM hardware WHERE NAME = ?', [name]);
  assert.ok(before, 'dploy wrote the computer');
  const [fields] = await ocsQuery<{ task: string; status: string }>(
    "SELECT MAX(CASE WHEN NAME = 'DPLOYTASK' THEN CONCAT('fields_', ID) END) AS task, MAX(CASE WHEN NAME = 'DPLOYSTATUS' THEN CONCAT('fields_', ID) END) AS status FROM accountinfo_config",
  );
  // The operator's administrative data on the computer before the agent ever reports.
  await ocsQuery(`UPDATE accountinfo SET TAG = 'RACK42', ${fields!.status} = 'installed debian-12-web' WHERE HARDWARE_ID = ?`, [before.ID]);

  // The installed system's agent: the real ocsinventory-agent's XML, with this machine's name, serial,
  // MAC, UUID and SMBIOS model (Debian's server merges at AUTO_DUPLICATE_LVL 15: name, serial, MAC, model).
  const agentXml = agentInventory({
    name,
    serial: MERGE_SERIAL,
    mac: MERGE_MACS[0]!,
    uuid: `6f1c2a9e-3b4d-4e5f-8a7b-${MERGE_MACS[0]!.replace(/:/g, '')}`,
    deviceIdDate: '2026-11-22-12-00-00',
  })
    // This test machine's agent reads no SMBIOS (no dmidecode in the container), so its BIOS section
    // gets the model and vendor the agent reads from the same SMBIOS tables lshw did.
    .replace(/<BIOS>[\s\S]*?<\/BIOS>/, `<BIOS><SSN>${MERGE_SERIAL}</SSN><SMODEL>q35-ovmf</SMODEL><SMANUFACTURER>QEMU-fixture</SMANUFACTURER></BIOS>`);
  const reply = await postToCommServer(agentXml);
  // OCS found the duplicate and hands the agent the administrative data of the computer it merged into.
  // (Perl hash order: the elements come in any order.)
  assert.match(reply, /<RESPONSE>ACCOUNT_UPDATE<\/RESPONSE>/);
  assert.match(reply, /<KEYVALUE>RACK42<\/KEYVALUE>/);
  assert.match(reply, /<KEYVALUE>installed debian-12-web<\/KEYVALUE>/);

  const computers = await ocsQuery<{ ID: number; USERAGENT: string }>('SELECT ID, USERAGENT FROM hardware WHERE NAME = ?', [name]);
  assert.equal(computers.length, 1, `OCS merged the two records: ${JSON.stringify(computers)}`);
  const merged = computers[0]!;
  assert.notEqual(merged.ID, before.ID, "OCS keeps the agent's new record and deletes the old one");
  assert.match(merged.USERAGENT, /OCS-NG_unified_unix_agent/);
  const [admin] = await ocsQuery<Record<string, string>>(`SELECT TAG, ${fields!.status} AS status FROM accountinfo WHERE HARDWARE_ID = ?`, [merged.ID]);
  assert.deepEqual(admin, { TAG: 'RACK42', status: 'installed debian-12-web' }, 'the administrative data moved to the merged computer');
  const console = new OcsConsole();
  await console.login();
  assert.equal((await console.allComputers()).filter((c) => c.name === name).length, 1, 'one computer in the console');

  // The operator tasks the merged computer: dploy finds its host again by MAC and opens the job.
  const [localboot] = await ocsQuery<{ IVALUE: number }>(
    "SELECT IVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYTASK\\_%' AND TVALUE = 'localboot'",
  );
  await ocsQuery(`UPDATE accountinfo SET ${fields!.task} = ? WHERE HARDWARE_ID = ?`, [String(localboot!.IVALUE), merged.ID]);
  const tick = await runDploy(['runner', '--once'], { cwd: dploy.cwd, env: dploy.env });
  assert.equal(tick.code, 0, tick.stderr);
  const hosts = await ocsQuery<{ id: number; platform_ref: string }>(
    'SELECT h.id, h.platform_ref FROM dploy_hosts h JOIN dploy_host_macs m ON m.host_id = h.id WHERE m.mac = ?',
    [MERGE_MACS[0]],
  );
  assert.deepEqual(
    hosts.map((h) => h.platform_ref),
    [String(merged.ID)],
    'dploy re-linked its host to the merged computer',
  );
  const jobs = await ocsQuery<{ kind: string }>('SELECT kind FROM dploy_jobs WHERE host_id = ?', [hosts[0]!.id]);
  assert.deepEqual(
    jobs.map((j) => j.kind),
    ['localboot'],
  );
  const [status] = await ocsQuery<{ status: string }>(`SELECT ${fields!.status} AS status FROM accountinfo WHERE HARDWARE_ID = ?`, [merged.ID]);
  assert.match(status!.status, /boots from local disk/, "the console shows the job's outcome");
});

test('the operator mass-processes DPLOYTASK in the console, for a selection and for a static group: one job per computer, and DPLOYSTATUS shows it', async () => {
  for (const [i, macs] of FLOW_MACS.entries()) await discover(lshwOf(macs, `DPLOY-FLOW-000${i}`));
  const console = new OcsConsole();
  await console.login();
  const names = FLOW_MACS.map((m) => `host-${m[0]!.replace(/:/g, '')}`);
  const listed = await console.allComputers();
  const ids = names.map((n) => listed.find((c) => c.name === n)?.id);
  assert.ok(
    ids.every((id) => id !== undefined),
    `all three in All computers: ${ids.join(', ')}`,
  );
  const [a, b, c] = ids as [number, number, number];
  const value = async (label: string) =>
    String(
      (await ocsQuery<{ IVALUE: number }>("SELECT IVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYTASK\\_%' AND TVALUE = ?", [label]))[0]!.IVALUE,
    );

  // Two computers ticked in All computers, Mass processing > Administrative data > DPLOYTASK = discover.
  await setAdminData(console, [a, b], 'DPLOYTASK', await value('discover'));
  // A static group made of the third, then its members mass-processed to localboot.
  await createStaticGroup(console, FLOW_GROUP, [c]);
  assert.equal(await setAdminDataOnGroup(console, FLOW_GROUP, 'DPLOYTASK', await value('localboot')), 1);

  for (let tick = 0; tick < 2; tick++) {
    const run = await runDploy(['runner', '--once'], { cwd: dploy.cwd, env: dploy.env });
    assert.equal(run.code, 0, run.stderr);
  }
  const jobs = await ocsQuery<{ name: string; kind: string; state: string }>(
    `SELECT h.name, j.kind, j.state FROM dploy_jobs j JOIN dploy_hosts h ON h.id = j.host_id WHERE h.name IN (?) ORDER BY h.name`,
    [names],
  );
  assert.deepEqual(
    jobs.map((j) => [j.name, j.kind]),
    [
      [names[0], 'discover'],
      [names[1], 'discover'],
      [names[2], 'localboot'],
    ],
    'exactly one job per computer, after two ticks',
  );

  // What the console shows on each computer's Administrative data, every tab read as the browser renders it.
  const dployTab = async (id: number) => {
    const data = await console.adminData(id);
    return { task: data['dploy task'], status: data['dploy status'] };
  };
  const discovering = await dployTab(a);
  const [{ status }] = (await ocsQuery<{ status: string }>('SELECT status FROM dploy_hosts WHERE name = ?', [names[0]])) as [{ status: string }];
  assert.equal(discovering.status, status, 'the console shows DPLOYSTATUS as dploy wrote it');
  assert.match(discovering.status ?? '', /discovery/);
  assert.equal(discovering.task, 'discover', 'the task stays set while the job runs');
  const done = await dployTab(c);
  assert.match(done.status ?? '', /boots from local disk/, "the finished job's outcome");
  assert.equal(done.task, 'none', 'the task field went back to none');
});

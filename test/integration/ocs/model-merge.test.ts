// OCS's duplicate merge with the system model among its criteria: a server
// whose SMBIOS record carries a SKU (lshw prints "PowerEdge R640
// (SKU=NotProvided)", OCS's agent reads "PowerEdge R640" through dmidecode) is
// discovered by dploy, then its installed system's real agent reports to OCS's
// real communication server. The criteria are set where an administrator sets
// them: the console's Configuration page (config AUTO_DUPLICATE_LVL), which the
// server reads over Apache's OCS_OPT_AUTO_DUPLICATE_LVL (Debian's: 15).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { OcsConsole } from '../../support/ocs/console.js';
import { criteriaOf, setDuplicateCriteria } from '../../support/ocs/duplicate-criteria.js';
import { startDployOnOcs, type DployOnOcs } from '../../support/ocs/dploy-on-ocsweb.js';
import { agentInventory, postToCommServer } from '../../support/ocs/comm-server.js';
import { ocsQuery } from '../../support/ocs/db.js';

const FIXTURE = readFileSync(new URL('../../fixtures/lshw/dell-r640-sku.xml', import.meta.url), 'utf8');
const MODEL_MAC = '52:54:00:c7:01:11';
const ROW_MAC = '52:54:00:c7:02:21';

/** The fixture's machine as one test machine: its own MAC, serial and SMBIOS UUID (its lshw names it after this host, "vm"). */
const lshwOf = (mac: string, serial: string) =>
  FIXTURE.split('02:fc:00:00:00:01')
    .join(mac)
    .split('DPLOYSKU01')
    .join(serial)
    .split('4c4c4544-0052-3610-8034-b7c04f4e3232')
    .join(`4c4c4544-0052-3610-8034-${mac.replace(/:/g, '')}`);

let dploy: DployOnOcs;
let ocs: OcsConsole;
let level: number;
before(async () => {
  dploy = await startDployOnOcs();
  await dploy.forget([MODEL_MAC, ROW_MAC]);
  ocs = new OcsConsole();
  await ocs.login();
  level = Number((await ocsQuery<{ IVALUE: number }>("SELECT IVALUE FROM config WHERE NAME = 'AUTO_DUPLICATE_LVL'"))[0]?.IVALUE ?? 0);
});
after(async () => {
  await setDuplicateCriteria(ocs, criteriaOf(level));
  await dploy?.forget([MODEL_MAC, ROW_MAC]);
  await dploy?.stop();
});

/** dploy discovers the machine; returns the OCS computer it wrote, as the console lists it. */
async function discover(mac: string, serial: string): Promise<{ id: number; name: string }> {
  const posted = await fetch(`${dploy.serve.url}/agent/v1/inventory`, {
    method: 'POST',
    body: gzipSync(lshwOf(mac, serial)),
    headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': dploy.token },
  });
  assert.equal(posted.status, 200, await posted.text());
  const [row] = await ocsQuery<{ id: number }>('SELECT HARDWARE_ID AS id FROM networks WHERE MACADDR = ?', [mac]);
  const computer = (await ocs.allComputers()).find((c) => c.id === Number(row?.id));
  assert.ok(computer, `the computer with ${mac} is in All computers`);
  return { id: computer.id, name: computer.name };
}

/** The installed system's real agent reports, with the model dmidecode gives on this machine. */
async function agentReports(name: string, serial: string, mac: string, model: string): Promise<void> {
  const xml = agentInventory({ name, serial, mac, uuid: `4c4c4544-0052-3610-8034-${mac.replace(/:/g, '')}`, deviceIdDate: '2026-12-06-12-00-00' })
    // No DMI in this test machine: the BIOS section gets what the agent reads from the server's SMBIOS.
    .replace(/<BIOS>[\s\S]*?<\/BIOS>/, `<BIOS><SSN>${serial}</SSN><SMODEL>${model}</SMODEL><SMANUFACTURER>Dell Inc.</SMANUFACTURER></BIOS>`);
  await postToCommServer(xml);
}

async function computersNamed(name: string): Promise<Array<{ ID: number; USERAGENT: string }>> {
  return ocsQuery<{ ID: number; USERAGENT: string }>("SELECT ID, USERAGENT FROM hardware WHERE NAME = ? AND DEVICEID <> '_SYSTEMGROUP_'", [name]);
}

test("at AUTO_DUPLICATE_LVL 15 (name, serial, MAC, model) the real agent's inventory merges into the computer dploy discovered from an lshw product with a SKU suffix", async () => {
  await setDuplicateCriteria(ocs, ['HOSTNAME', 'SERIAL', 'MACADDRESS', 'MODEL']);
  assert.deepEqual(await ocsQuery("SELECT IVALUE FROM config WHERE NAME = 'AUTO_DUPLICATE_LVL'"), [{ IVALUE: 15 }]);
  const serial = 'DPLOY-R640-0001';
  const discovered = await discover(MODEL_MAC, serial);
  const bios = await ocs.computerSection(discovered.id, 'bios');
  assert.match(bios, /PowerEdge R640/);
  assert.doesNotMatch(bios, /SKU=NotProvided/, 'the console shows the model as the agent will report it');

  await agentReports(discovered.name, serial, MODEL_MAC, 'PowerEdge R640');
  const computers = await computersNamed(discovered.name);
  assert.equal(computers.length, 1, `OCS merged the agent's record into dploy's: ${JSON.stringify(computers)}`);
  assert.notEqual(computers[0]!.ID, discovered.id, "OCS keeps the agent's new record and deletes the old one");
  assert.match(computers[0]!.USERAGENT, /OCS-NG_unified_unix_agent/);
  assert.equal((await ocs.allComputers()).filter((c) => c.name === discovered.name).length, 1, 'one computer in the console');
});

test("the console's AUTO_DUPLICATE_LVL row wins over Apache's OCS_OPT_AUTO_DUPLICATE_LVL 15: at 7 the model is not compared", async () => {
  await setDuplicateCriteria(ocs, ['HOSTNAME', 'SERIAL', 'MACADDRESS']);
  const serial = 'DPLOY-R640-0002';
  const discovered = await discover(ROW_MAC, serial);
  await agentReports(discovered.name, serial, ROW_MAC, 'PowerEdge R650');
  const computers = await computersNamed(discovered.name);
  assert.equal(computers.length, 1, `merged although the models differ, as level 7 says: ${JSON.stringify(computers)}`);
  assert.match(computers[0]!.USERAGENT, /OCS-NG_unified_unix_agent/);
});

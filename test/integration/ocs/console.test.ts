// What the operator sees in the real OCS console (ocsinventory-reports over
// HTTP, logged in as admin) and its REST API once dploy discovered a machine:
// the machine is posted as mindi's agent script posts it, to `dploy serve`
// running with platform ocs on the stack's own ocsweb database.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { OcsConsole } from '../../support/ocs/console.js';
import { ocsStack } from '../../support/ocs-stack.js';
import { startDployOnOcs, type DployOnOcs } from '../../support/ocs/dploy-on-ocsweb.js';

const MACS = ['52:54:00:c5:01:11', '52:54:00:c5:01:12'];
const SERIAL = 'DPLOY-CONSOLE-0001';
// Real lshw output of a q35/OVMF VM, given this test's own MACs and serial.
const LSHW = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8')
  .split('52:54:00:d0:00:11').join(MACS[0]!).split('52:54:00:d0:00:12').join(MACS[1]!).split('DPLOY-FIX-0002').join(SERIAL);

let dploy: DployOnOcs;
before(async () => {
  dploy = await startDployOnOcs();
  await dploy.forget(MACS);
});
after(async () => {
  await dploy?.forget(MACS);
  await dploy?.stop();
});

test('a machine mindi posted appears in "All computers", on its detail pages and in the REST API', async () => {
  const posted = await fetch(`${dploy.serve.url}/agent/v1/inventory`, {
    method: 'POST', body: gzipSync(LSHW), headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': dploy.token },
  });
  assert.equal(posted.status, 200, await posted.text());
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
  const ids = await (await fetch(`${ocsStack().apiUrl}/computers/listID`)).json() as Array<{ ID: number }>;
  assert.ok(ids.some((r) => Number(r.ID) === computer.id), 'listID has the computer');
  for (const [field, expected] of [['bios', SERIAL], ['networks', MACS[0]!], ['hardware', name]] as const) {
    const api = await fetch(`${ocsStack().apiUrl}/computer/${computer.id}/${field}`);
    assert.equal(api.status, 200, `/computer/${computer.id}/${field}`);
    assert.match(JSON.stringify(await api.json()), new RegExp(expected, 'i'), `REST ${field}`);
  }
});

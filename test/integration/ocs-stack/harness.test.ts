// Proves the OCS test harness on the real stack (test/setup/ocs-stack.sh): the
// real agent's inventory goes through the communication server and shows in
// the console and the REST API; mass processing and static groups done through
// the console's forms land in accountinfo for exactly the computers meant; OCS
// merges a machine whose agent comes back under a new DEVICEID.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { ocsStack } from '../../support/ocs-stack.js';
import { createAdminDataField, deleteAdminDataField, type AdminDataField } from '../../support/ocs/admin-data-fields.js';
import { agentInventory, hardwareOnlyInventory, postToCommServer, type AgentMachine } from '../../support/ocs/comm-server.js';
import { OcsConsole } from '../../support/ocs/console.js';
import { computerIdByName, ocsDb, readComputer, resetComputers, resetGroups } from '../../support/ocs/db.js';
import { apiComputerIds, apiComputerSection } from '../../support/ocs/rest-api.js';

const run = randomBytes(3).toString('hex');
const prefix = `harness-${run}-`;

function machine(n: number): AgentMachine {
  return {
    name: `${prefix}${n}`,
    serial: `HSN-${run}-${n}`,
    mac: `52:54:00:${run.slice(0, 2)}:${run.slice(2, 4)}:${(16 + n).toString(16)}`,
    uuid: `${run}0000-0000-4000-8000-00000000000${n}`,
  };
}

async function inventoried(m: AgentMachine, xml = agentInventory(m)): Promise<number> {
  await postToCommServer(xml);
  const id = await computerIdByName(m.name);
  assert.ok(id, `${m.name} is in hardware after its inventory`);
  return id;
}

async function fieldValues(field: AdminDataField, ids: number[]): Promise<Map<number, string | null>> {
  const db = await ocsDb();
  try {
    const [rows] = await db.query<RowDataPacket[]>(`select hardware_id, fields_${field.id} as v from accountinfo where hardware_id in (?)`, [ids]);
    return new Map(rows.map((r) => [Number(r.hardware_id), r.v as string | null]));
  } finally {
    await db.end();
  }
}

describe('the OCS test harness on the real stack', () => {
  const ocs = new OcsConsole();
  let textField: AdminDataField;
  let selectField: AdminDataField;

  before(async () => {
    ocsStack();
    await ocs.login();
    textField = await createAdminDataField(ocs, { name: `HARNESS${run.toUpperCase()}T`, label: `harness text ${run}` });
    selectField = await createAdminDataField(ocs, {
      name: `HARNESS${run.toUpperCase()}S`,
      label: `harness select ${run}`,
      type: 'SELECT',
      values: ['discover', 'install'],
    });
  });

  after(async () => {
    await resetComputers(prefix);
    await resetGroups(prefix);
    if (selectField) await deleteAdminDataField(ocs, selectField);
    if (textField) await deleteAdminDataField(ocs, textField);
  });

  test("a real agent's inventory shows in All computers, its BIOS and network sections, and the REST API", async () => {
    const m = machine(1);
    const id = await inventoried(m);

    const listed = (await ocs.allComputers()).filter((c) => c.name === m.name);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.id, id);
    assert.equal(listed[0]!.columns.Computer, m.name);
    assert.match(listed[0]!.columns['Operating system'] ?? '', /\S/, 'the OS the real agent found is shown');

    assert.match(await ocs.computerSection(id, 'bios'), new RegExp(`^Serial number: ${m.serial}$`, 'm'));
    const network = await ocs.computerSection(id, 'network');
    assert.match(network, new RegExp(`^MAC address: ${m.mac}$`, 'm'));
    assert.match(await ocs.computerSection(id, 'cpu'), /\S/, 'the processors section lists the real CPU');

    assert.ok((await apiComputerIds()).includes(id));
    const bios = await apiComputerSection(id, 'bios');
    assert.equal(bios.hardware.NAME, m.name);
    assert.equal(bios.hardware.UUID, m.uuid);
    assert.equal(bios.rows[0]?.SSN, m.serial);
    const nics = await apiComputerSection(id, 'networks');
    assert.ok(nics.rows.some((n) => n.MACADDR === m.mac));
  });

  test('mass processing of a selection of two computers sets the field on exactly those two', async () => {
    const ids = [];
    for (const n of [2, 3, 4]) ids.push(await inventoried(machine(n), hardwareOnlyInventory(machine(n))));
    const [a, b, untouched] = ids as [number, number, number];

    await ocs.setAdminData([a, b], textField.name, 'reinstall me');
    await ocs.setAdminData([a, b], selectField.name, 'install');

    assert.deepEqual(
      await fieldValues(textField, ids),
      new Map([
        [a, 'reinstall me'],
        [b, 'reinstall me'],
        [untouched, null],
      ]),
    );
    // A select field stores the number of the chosen value (config ACCOUNT_VALUE_<NAME>_2 = install).
    assert.deepEqual(
      await fieldValues(selectField, ids),
      new Map([
        [a, '2'],
        [b, '2'],
        [untouched, null],
      ]),
    );
    // …and the computer's page shows the operator the value's name.
    const shown = await ocs.adminData(b);
    assert.equal(shown[selectField.label], 'install');
    assert.equal(shown[textField.label], 'reinstall me');
    assert.equal((await ocs.adminData(untouched))[selectField.label], '');
  });

  test('a static group made from a selection gets mass processing through a search on its members', async () => {
    const ids = [];
    for (const n of [5, 6, 7]) ids.push(await inventoried(machine(n), hardwareOnlyInventory(machine(n))));
    const [a, b, outsider] = ids as [number, number, number];
    const group = `${prefix}group`;

    await ocs.createStaticGroup(group, [a, b]);
    assert.equal(await ocs.setAdminDataOnGroup(group, selectField.name, 'discover'), 2);

    assert.deepEqual(
      await fieldValues(selectField, ids),
      new Map([
        [a, '1'],
        [b, '1'],
        [outsider, null],
      ]),
    );
  });

  test('the same machine inventoried twice is one computer in All computers', async () => {
    const m = machine(8);
    const first = await inventoried(m);
    await ocs.setAdminData([first], textField.name, 'kept');
    assert.equal(await inventoried(m), first, 'same DEVICEID: the same hardware row is updated');
    const listed = (await ocs.allComputers()).filter((c) => c.name === m.name);
    assert.deepEqual(
      listed.map((c) => c.id),
      [first],
    );
    assert.equal((await fieldValues(textField, [first])).get(first), 'kept', 'administrative data survives a new inventory');
  });

  test('a reinstalled agent (new DEVICEID) is merged into one computer only when ocsweb has table unixusers', async () => {
    // AUTO_DUPLICATE_LVL 7 (hostname|serial|MAC) finds the old computer, and
    // _duplicate_replace() (Apache/Ocsinventory/Server/Duplicate.pm line 268)
    // empties every delOnReplace table of server 2.8.1's Map.pm, which still
    // lists `unixusers`; reports 2.11.1's files/update/7040.sql dropped it. On a
    // stock install the error rolls the merge back ("duplicate;replacing_error"
    // in activity.log); `dploy migrate` recreates the table (server-compat.ts).
    const db = await ocsDb();
    const [tables] = await db.query<RowDataPacket[]>("show tables like 'unixusers'");
    await db.end();
    const m = machine(9);
    const first = await inventoried(m);
    await ocs.setAdminData([first], textField.name, 'kept across the merge');
    const second = await inventoried({ ...m, deviceIdDate: '2021-06-01-12-00-00' });
    assert.notEqual(second, first);
    assert.equal((await readComputer(second))?.hardware.DEVICEID, `${m.name}-2021-06-01-12-00-00`);
    const listed = (await ocs.allComputers()).filter((c) => c.name === m.name).map((c) => c.id);
    if (tables.length) {
      assert.deepEqual(listed, [second], 'merged: the old computer is gone');
      assert.equal((await fieldValues(textField, [second])).get(second), 'kept across the merge', 'the merge carries the administrative data over');
    } else {
      assert.deepEqual(
        listed.sort((x, y) => x - y),
        [first, second],
        'without unixusers the merge fails: two computers',
      );
    }
  });
});

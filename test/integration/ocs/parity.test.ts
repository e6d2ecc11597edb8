// Parity with OCS itself: the same machine reported to OCS's real
// communication server (an OCS agent document carrying the same hardware)
// and written by dploy gives the same rows, column for column, in every
// table the console's computer pages read. Only what says who wrote it may
// differ: DEVICEID's timestamp, LASTDATE/LASTCOME, USERAGENT. (IPSRC is the
// address each got the inventory from: 127.0.0.1 for both here.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { deviceId, machineRows } from '../../../plugin/platforms/ocs/machine-rows.js';
import { openOcsPlatform } from '../../support/ocs/scratch.js';
import { ocsInventoryXml } from '../../support/ocs/ocs-xml.js';
import { postToCommServer } from '../../support/ocs/comm-server.js';
import { ocsQuery, resetComputers } from '../../support/ocs/db.js';

const TABLES = ['hardware', 'bios', 'cpus', 'memories', 'storages', 'networks', 'accountinfo'] as const;
const WHO_WROTE_IT = new Set(['ID', 'HARDWARE_ID', 'DEVICEID', 'LASTDATE', 'LASTCOME', 'USERAGENT']);

function comparable(rows: Array<Record<string, unknown>>): Array<Record<string, string>> {
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !WHO_WROTE_IT.has(k) && !/^fields_/.test(k)).map(([k, v]) => [k, v === null ? 'NULL' : String(v)])));
}

for (const fixture of ['qemu-seabios-pc.xml', 'qemu-ovmf-q35.xml']) {
  test(`${fixture}: dploy writes the rows OCS's communication server writes for the same hardware`, async () => {
    const body = readFileSync(new URL(`../../fixtures/lshw/${fixture}`, import.meta.url));
    const inventory = parseInventory(body, 'xml');
    const { scratch, platform, dispose } = await openOcsPlatform();
    try {
      const { host } = await platform.recordInventory(inventory, { format: 'xml', body, remoteAddress: '127.0.0.1' });
      const [{ ID: dployId }] = await scratch.sql<{ ID: number }>('SELECT ID FROM hardware') as [{ ID: number }];
      await resetComputers(host.name);
      const reply = await postToCommServer(ocsInventoryXml(deviceId(host.name, new Date()), machineRows(inventory, host.name, 'agent')));
      assert.match(reply, /<RESPONSE>NO_ACCOUNT_UPDATE<\/RESPONSE>/, 'OCS took the inventory');
      const [{ ID: ocsId }] = await ocsQuery<{ ID: number }>('SELECT ID FROM hardware WHERE DEVICEID LIKE ?', [`${host.name}-%`]) as [{ ID: number }];
      for (const table of TABLES) {
        const key = table === 'hardware' ? 'ID' : 'HARDWARE_ID';
        const order = table === 'hardware' || table === 'bios' || table === 'accountinfo' ? '' : ' ORDER BY ID';
        const ours = comparable(await scratch.sql(`SELECT * FROM ${table} WHERE ${key} = ?${order}`, [dployId]));
        const theirs = comparable(await ocsQuery(`SELECT * FROM ${table} WHERE ${key} = ?${order}`, [ocsId]));
        assert.ok(theirs.length > 0, `OCS wrote ${table}`);
        assert.deepEqual(ours, theirs, `${table}: dploy's rows differ from OCS's`);
      }
      await resetComputers(host.name);
    } finally {
      await dispose();
    }
  });
}

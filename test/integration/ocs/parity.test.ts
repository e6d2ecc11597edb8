// Parity with OCS itself: the same machine reported to OCS's real
// communication server (an OCS agent document carrying the same hardware)
// and written by dploy gives the same rows, column for column, in every
// table the console's computer pages read. Only what says who wrote it may
// differ: DEVICEID's timestamp, LASTDATE/LASTCOME, USERAGENT. (IPSRC is the
// address each got the inventory from: 127.0.0.1 for both here.)
// dploy writes into a database at each schema version it knows (scratch.ts);
// the server writes into the stack's ocsweb (7069), and the rows are compared
// on the columns both tables have, as text (memories.CAPACITY is VARCHAR at
// 7039, INT from 7050 on).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { deviceId, machineRows } from '../../../plugin/platforms/ocs/machine-rows.js';
import { OCS_SHAPES, openOcsPlatform } from '../../support/ocs/scratch.js';
import { ocsInventoryXml } from '../../support/ocs/ocs-xml.js';
import { postToCommServer } from '../../support/ocs/comm-server.js';
import { ocsQuery, resetComputers } from '../../support/ocs/db.js';

const TABLES = ['hardware', 'bios', 'cpus', 'memories', 'storages', 'networks', 'accountinfo'] as const;
const WHO_WROTE_IT = new Set(['ID', 'HARDWARE_ID', 'DEVICEID', 'LASTDATE', 'LASTCOME', 'USERAGENT']);

function comparable(rows: Array<Record<string, unknown>>, shared: (column: string) => boolean): Array<Record<string, string>> {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => !WHO_WROTE_IT.has(k) && !/^fields_/.test(k) && shared(k))
        .map(([k, v]) => [k, v === null ? 'NULL' : String(v)]),
    ),
  );
}

const columnsOf = async (query: (sql: string, params: unknown[]) => Promise<Array<{ c: string }>>, table: string): Promise<Set<string>> =>
  new Set((await query('SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table])).map((r) => r.c));

for (const [shape, fixture] of OCS_SHAPES.flatMap((s) => ['qemu-seabios-pc.xml', 'qemu-ovmf-q35.xml'].map((f) => [s, f] as const))) {
  test(`GUI_VERSION ${shape}, ${fixture}: dploy writes the rows OCS's communication server writes for the same hardware`, async () => {
    const body = readFileSync(new URL(`../../fixtures/lshw/${fixture}`, import.meta.url));
    const inventory = parseInventory(body, 'xml');
    const { scratch, platform, dispose } = await openOcsPlatform({}, shape);
    try {
      const { host } = await platform.recordInventory(inventory, { format: 'xml', body, remoteAddress: '127.0.0.1' });
      const [{ ID: dployId }] = (await scratch.sql<{ ID: number }>('SELECT ID FROM hardware')) as [{ ID: number }];
      await resetComputers(host.name);
      const reply = await postToCommServer(ocsInventoryXml(deviceId(host.name, new Date()), machineRows(inventory, host.name, 'agent')));
      assert.match(reply, /<RESPONSE>NO_ACCOUNT_UPDATE<\/RESPONSE>/, 'OCS took the inventory');
      const [{ ID: ocsId }] = (await ocsQuery<{ ID: number }>('SELECT ID FROM hardware WHERE DEVICEID LIKE ?', [`${host.name}-%`])) as [{ ID: number }];
      for (const table of TABLES) {
        const key = table === 'hardware' ? 'ID' : 'HARDWARE_ID';
        const order = table === 'hardware' || table === 'bios' || table === 'accountinfo' ? '' : ' ORDER BY ID';
        const ourColumns = await columnsOf((q, p) => scratch.sql(q, p), table);
        const theirColumns = await columnsOf((q, p) => ocsQuery(q, p), table);
        const shared = (column: string) => ourColumns.has(column) && theirColumns.has(column);
        // Every column this version has, the server's table has too: no column of dploy's rows goes unchecked.
        assert.deepEqual(
          [...ourColumns].filter((c) => !theirColumns.has(c) && !/^fields_/.test(c)),
          [],
          `${table}: columns only version ${shape} has`,
        );
        const ours = comparable(await scratch.sql(`SELECT * FROM ${table} WHERE ${key} = ?${order}`, [dployId]), shared);
        const theirs = comparable(await ocsQuery(`SELECT * FROM ${table} WHERE ${key} = ?${order}`, [ocsId]), shared);
        assert.ok(theirs.length > 0, `OCS wrote ${table}`);
        assert.deepEqual(ours, theirs, `${table}: dploy's rows differ from OCS's`);
      }
      await resetComputers(host.name);
    } finally {
      await dispose();
    }
  });
}

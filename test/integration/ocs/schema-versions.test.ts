// dploy on each OCS schema version it claims (docs/ocs.md): 7039 (the
// console's install SQL from Debian's package, before update.php), 7069
// (Debian 12's ocsweb) and 7082 (the same brought to OCS 2.12 by
// updates-to-7082.ts). On each, as a site runs it: `dploy migrate`, a
// discovery storm written as the same machines posted one by one, tasks set
// in administrative data, status written back, and forget.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { openStore } from '../../../plugin/store/database.js';
import { createOcsPlatform } from '../../../plugin/platforms/ocs/ocs-platform.js';
import type { RecordedMachine } from '../../../plugin/model/discovery.js';
import type { Platform } from '../../../plugin/platforms/platform.js';
import { runDploy } from '../../support/cli.js';
import { rowsBySerial } from '../../support/ocs/rows.js';
import { createOcsScratch, OCS_SHAPES, openOcsPlatform, type OcsScratch } from '../../support/ocs/scratch.js';
import { updateTo7082 } from '../../support/ocs/updates-to-7082.js';
import { ovmfVariant } from '../../support/ovmf-variant.js';

const OVMF = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url)).toString('utf8');
const cwd = mkdtempSync(join(tmpdir(), 'dploy-ocs-versions-'));
const ocsEnv = (url: string) => ({ DPLOY_PLATFORM: 'ocs', DPLOY_DATABASE_URL: url });
const post = (platform: Platform, body: Buffer): Promise<RecordedMachine> =>
  platform.recordInventory(parseInventory(body, 'xml'), { format: 'xml', body, remoteAddress: '127.0.0.1' });
const bodies = Array.from({ length: 12 }, (_, i) => Buffer.from(ovmfVariant(OVMF, 0x60 + i, `DPLOY-VER-${i}`, i % 2 === 0 ? `ver${i}` : undefined)));

async function migrated(ocs: OcsScratch): Promise<{ platform: Platform; close(): Promise<void> }> {
  const run = await runDploy(['migrate'], { cwd, env: ocsEnv(ocs.url) });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /OCS: add administrative data DPLOYTASK \(select\) as accountinfo\.fields_\d+/);
  const store = await openStore(ocs.url);
  const platform = createOcsPlatform(store);
  await platform.check();
  return { platform, close: () => store.close() };
}

const fieldColumn = async (ocs: OcsScratch, name: string): Promise<string> =>
  `fields_${(await ocs.sql<{ ID: number }>('SELECT ID FROM accountinfo_config WHERE NAME = ?', [name]))[0]!.ID}`;
const taskValue = async (ocs: OcsScratch, label: string): Promise<string> =>
  String((await ocs.sql<{ IVALUE: number }>("SELECT IVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYTASK\\_%' AND TVALUE = ?", [label]))[0]!.IVALUE);

for (const shape of OCS_SHAPES) {
  test(`GUI_VERSION ${shape}: migrate, a discovery storm, tasks through administrative data, status and forget`, async () => {
    const ocs = await createOcsScratch(shape);
    const alone = await createOcsScratch(shape);
    const open: Array<{ close(): Promise<void> }> = [];
    try {
      assert.deepEqual(await ocs.sql("SELECT TVALUE FROM config WHERE NAME = 'GUI_VERSION'"), [{ TVALUE: String(shape) }]);
      const one = await migrated(alone);
      const dploy = await migrated(ocs);
      open.push(one, dploy);
      for (const body of bodies) await post(one.platform, body);
      const outcomes = await Promise.all(
        bodies.map((body) => new Promise<void>((r) => setImmediate(r)).then(() => post(dploy.platform, body)).catch((err: Error) => err)),
      );
      assert.deepEqual(
        outcomes.filter((o) => o instanceof Error),
        [],
      );
      const expected = await rowsBySerial(alone);
      const actual = await rowsBySerial(ocs);
      assert.equal(actual.size, bodies.length, 'one computer per machine');
      for (const [serial, tables] of expected)
        assert.deepEqual(actual.get(serial), tables, `${serial}: the storm's rows differ from the machine's rows posted alone`);
      assert.deepEqual(await ocs.sql('SELECT * FROM locks'), [], 'no lock left behind');
      // The one difference in dploy's tables across these versions: update 7050 made memories.CAPACITY an INT.
      const [capacity] = await ocs.sql<{ type: string }>(
        "SELECT DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'memories' AND COLUMN_NAME = 'CAPACITY'",
      );
      assert.equal(capacity!.type, shape < 7050 ? 'varchar' : 'int');
      assert.deepEqual([...new Set((await ocs.sql<{ CAPACITY: unknown }>('SELECT CAPACITY FROM memories')).map((m) => String(m.CAPACITY)))], ['1024']);

      // The console's mass processing sets the task of every computer (Admininfo::updateinfo_computer).
      const task = await fieldColumn(ocs, 'DPLOYTASK');
      const status = await fieldColumn(ocs, 'DPLOYSTATUS');
      await ocs.sql(`UPDATE accountinfo SET ${task} = ?`, [await taskValue(ocs, 'discover')]);
      const pending = await dploy.platform.pendingTasks();
      assert.equal(pending.length, bodies.length);
      assert.ok(pending.every((p) => p.task === 'discover'));
      const first = pending[0]!.hostId;
      await dploy.platform.writeStatus(first, 'discovered on the test bench', { clearTask: { task: 'discover' } });
      const [{ HARDWARE_ID: computer }] = (await ocs.sql<{ HARDWARE_ID: number }>(
        'SELECT CAST(platform_ref AS UNSIGNED) AS HARDWARE_ID FROM dploy_hosts WHERE id = ?',
        [first],
      )) as [{ HARDWARE_ID: number }];
      assert.deepEqual(await ocs.sql(`SELECT ${status} AS status, ${task} AS task FROM accountinfo WHERE HARDWARE_ID = ?`, [computer]), [
        { status: 'discovered on the test bench', task: await taskValue(ocs, 'none') },
      ]);
      assert.equal((await dploy.platform.pendingTasks()).length, bodies.length - 1);

      await dploy.platform.forgetHost(pending[1]!.hostId);
      assert.deepEqual(await ocs.sql('SELECT id FROM dploy_hosts WHERE id = ?', [pending[1]!.hostId]), [], 'dploy let the machine go');
      assert.equal((await ocs.sql('SELECT 1 FROM hardware')).length, bodies.length, "the OCS computer stays: it is the operator's inventory");
    } finally {
      for (const o of open) await o.close();
      await ocs.drop();
      await alone.drop();
    }
  });
}

test('OCS upgraded from 7069 to 7082 under a running dploy: it keeps writing and reading tasks, and its next start accepts the new schema', async () => {
  const { scratch, store, platform, dispose } = await openOcsPlatform();
  try {
    await platform.check();
    await post(platform, bodies[0]!);
    await updateTo7082((statement, params) => scratch.sql(statement, params));
    assert.deepEqual(await scratch.sql("SELECT TVALUE FROM config WHERE NAME = 'GUI_VERSION'"), [{ TVALUE: '7082' }]);
    const outcomes = await Promise.all(bodies.slice(1, 6).map((body) => post(platform, body).catch((err: Error) => err)));
    assert.deepEqual(
      outcomes.filter((o) => o instanceof Error),
      [],
    );
    await post(platform, bodies[0]!);
    assert.equal((await scratch.sql('SELECT 1 FROM hardware')).length, 6, 'new machines added, the known one rewritten in place');
    await scratch.sql(`UPDATE accountinfo SET ${await fieldColumn(scratch, 'DPLOYTASK')} = ?`, [await taskValue(scratch, 'discover')]);
    assert.equal((await platform.pendingTasks()).length, 6);
    // What `dploy serve` does when it starts again.
    await createOcsPlatform(store).check();
  } finally {
    await dispose();
  }
});

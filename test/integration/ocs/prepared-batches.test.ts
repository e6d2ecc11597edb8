// Discovery batches whose shape recurs (machines of one model) go as prepared
// statements (store/discovery/prepared-shapes.ts): values in MySQL's binary protocol
// instead of the query text. On the real OCS schema they must write what the
// plain queries write, column for column (dates to the millisecond, the
// document byte for byte), new machines and re-posts alike; and a prepared
// batch that fails must leave what a failed plain one leaves.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { isDployError } from '../../../plugin/errors.js';
import type { RecordedMachine } from '../../../plugin/model/discovery.js';
import type { Platform } from '../../../plugin/platforms/platform.js';
import { rowsBySerial } from '../../support/ocs/rows.js';
import { openOcsPlatform, type OcsScratch } from '../../support/ocs/scratch.js';
import { ovmfVariant } from '../../support/ovmf-variant.js';

const OVMF = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url)).toString('utf8');
const machine = (n: number, serial = `DPLOY-PREP-${n}`, hostname?: string): Buffer => Buffer.from(ovmfVariant(OVMF, n, serial, hostname));
const post = (platform: Platform, body: Buffer): Promise<RecordedMachine> =>
  platform.recordInventory(parseInventory(body, 'xml'), { format: 'xml', body, remoteAddress: '127.0.0.1', rediscover: true });

/** Prepared statements MariaDB has run so far (COM_STMT_EXECUTE, all sessions: the tests run one at a time). */
async function statementsExecuted(scratch: OcsScratch): Promise<number> {
  const [row] = await scratch.sql<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'");
  return Number(row!.Value);
}

/** Six new machines of one model posted in turn (two say the image's hostname), then one of them three times more. */
async function postModel(platform: Platform): Promise<void> {
  for (let n = 0; n < 6; n++) await post(platform, machine(0x60 + n, `DPLOY-PREP-${n}`, n < 2 ? 'mindi' : undefined));
  for (let again = 0; again < 3; again++) await post(platform, machine(0x61, 'DPLOY-PREP-1', 'mindi'));
}

test('prepared batches write what plain queries write: new machines of one model and their re-posts, column for column', async () => {
  const plain = await openOcsPlatform({ prepareRecurringShapes: false });
  const prepared = await openOcsPlatform();
  try {
    const before = await statementsExecuted(plain.scratch);
    await postModel(plain.platform);
    const afterPlain = await statementsExecuted(plain.scratch);
    const postedAt = Date.now();
    await postModel(prepared.platform);
    const afterPrepared = await statementsExecuted(prepared.scratch);
    assert.equal(afterPlain - before, 0, 'with prepareRecurringShapes: false every batch went as a query');
    // Each shape's first sighting goes as a query; of 9 posts at least the later new machines and re-posts recur.
    assert.ok(afterPrepared - afterPlain >= 5, `only ${afterPrepared - afterPlain} batches went prepared`);

    const expected = await rowsBySerial(plain.scratch);
    const actual = await rowsBySerial(prepared.scratch);
    assert.equal(actual.size, 6);
    for (const [serial, tables] of expected)
      assert.deepEqual(actual.get(serial), tables, `${serial}: the prepared batches' rows differ from the plain queries'`);
    // What rowsBySerial leaves out: times (bound as DATETIME in the binary protocol, UTC as everywhere) and the link.
    const documents = await prepared.scratch.sql<{ received_at: string; created_at: string }>(
      'SELECT i.received_at, h.created_at FROM dploy_inventories i JOIN dploy_hosts h ON h.id = i.host_id ORDER BY i.id',
    );
    assert.equal(documents.length, 6, 'the re-posts of the same document stored nothing (agent.inventoriesKept)');
    for (const { received_at: at } of documents) {
      assert.match(at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      const ms = Date.parse(`${at.replace(' ', 'T')}Z`);
      assert.ok(ms >= postedAt - 1000 && ms <= Date.now() + 1000, `received_at ${at} is not when it was posted (UTC)`);
    }
    const unlinked = await prepared.scratch.sql(
      'SELECT d.id FROM dploy_hosts d LEFT JOIN hardware h ON h.ID = CAST(d.platform_ref AS UNSIGNED) WHERE h.ID IS NULL',
    );
    assert.deepEqual(unlinked, [], 'every host linked to its computer');
  } finally {
    await plain.dispose();
    await prepared.dispose();
  }
});

test("a prepared batch that fails (OCS holds the computer's lock) is rolled back and refused as a plain one is", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    await postModel(platform);
    const [computer] = await scratch.sql<{ ID: number }>("SELECT HARDWARE_ID AS ID FROM bios WHERE SSN = 'DPLOY-PREP-1'");
    await scratch.sql('INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES (?, 4242, NOW())', [computer!.ID]);
    const before = await statementsExecuted(scratch);
    const refused = await post(platform, machine(0x61, 'DPLOY-PREP-1', 'mindi')).catch((err: unknown) => err);
    assert.ok((await statementsExecuted(scratch)) > before, "the re-post's batch went prepared");
    assert.ok(isDployError(refused, 'DPLOY_ERR_MACHINE_LOCKED'), String(refused));
    assert.deepEqual(
      await scratch.sql('SELECT HARDWARE_ID, ID FROM locks'),
      [{ HARDWARE_ID: computer!.ID, ID: 4242 }],
      "OCS's lock left as it was, none of dploy's",
    );
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_inventories')).length, 6, 'nothing of the refused post kept (its re-posts stored nothing either)');
    // The connection the failed batch ran on is usable: the next machine of the model is written.
    await scratch.sql('DELETE FROM locks');
    const next = await post(platform, machine(0x6f, 'DPLOY-PREP-15'));
    assert.equal(next.created, true);
    assert.equal((await scratch.sql("SELECT 1 FROM bios WHERE SSN IN ('DPLOY-PREP-1', 'DPLOY-PREP-15')")).length, 2);
  } finally {
    await dispose();
  }
});

test('a prepared batch still writes after the console changed a table it writes (a new administrative-data field on accountinfo)', async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    await postModel(platform);
    // What the console does when an operator adds a field (accountinfo_config + a column).
    await scratch.sql('ALTER TABLE accountinfo ADD COLUMN fields_99 VARCHAR(255) DEFAULT NULL');
    const before = await statementsExecuted(scratch);
    for (let n = 6; n < 9; n++) await post(platform, machine(0x60 + n, `DPLOY-PREP-${n}`));
    assert.ok((await statementsExecuted(scratch)) - before >= 2, 'the new machines went prepared');
    const rows = await scratch.sql<{ SSN: string; TAG: string; fields_99: string | null }>(
      "SELECT b.SSN, a.TAG, a.fields_99 FROM bios b JOIN accountinfo a ON a.HARDWARE_ID = b.HARDWARE_ID WHERE b.SSN IN ('DPLOY-PREP-6', 'DPLOY-PREP-7', 'DPLOY-PREP-8') ORDER BY b.SSN",
    );
    assert.deepEqual(
      rows,
      ['DPLOY-PREP-6', 'DPLOY-PREP-7', 'DPLOY-PREP-8'].map((SSN) => ({ SSN, TAG: 'NA', fields_99: null })),
    );
  } finally {
    await dispose();
  }
});

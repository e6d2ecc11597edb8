// A discovery storm on OCS: machines posted at once share a group
// (store/discovery/group-commit.ts), whose new computers go as one multi-row INSERT per
// table. What each machine gets must be what it gets when posted alone, row
// for row; a machine whose rows fail takes nothing of the group with it; and
// OCS's lock rows (a MEMORY table: a rollback leaves them) are not left behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { isDployError } from '../../../plugin/errors.js';
import type { RecordedMachine } from '../../../plugin/model/discovery.js';
import type { Platform } from '../../../plugin/platforms/platform.js';
import { rowsBySerial } from '../../support/ocs/rows.js';
import { openOcsPlatform } from '../../support/ocs/scratch.js';
import { ovmfVariant } from '../../support/ovmf-variant.js';

const OVMF = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url)).toString('utf8');
const SEABIOS = readFileSync(new URL('../../fixtures/lshw/qemu-seabios-pc.xml', import.meta.url));
const post = (platform: Platform, body: Buffer): Promise<RecordedMachine> =>
  platform.recordInventory(parseInventory(body, 'xml'), { format: 'xml', body, remoteAddress: '127.0.0.1', rediscover: true });
/** Every post started in the same turn of the event loop, so that they queue for the same groups. */
const storm = (platform: Platform, bodies: Buffer[]): Promise<Array<RecordedMachine | Error>> =>
  Promise.all(bodies.map((body) => new Promise<void>((r) => setImmediate(r)).then(() => post(platform, body)).catch((err: Error) => err)));
const machine = (n: number, serial = `DPLOY-STORM-${n}`, hostname?: string): Buffer => Buffer.from(ovmfVariant(OVMF, n, serial, hostname));

test("a storm of new machines writes each one the rows it gets when posted alone, column for column, in OCS's tables and dploy's", async () => {
  // Named and unnamed machines; two share the image's hostname, which only the first may take.
  const bodies = Array.from({ length: 12 }, (_, i) => machine(0x40 + i, `DPLOY-STORM-${i}`, i % 3 === 0 ? `node${i}` : i % 3 === 1 ? 'mindi' : undefined));
  const alone = await openOcsPlatform();
  const together = await openOcsPlatform();
  try {
    for (const body of bodies) await post(alone.platform, body);
    const outcomes = await storm(together.platform, bodies);
    assert.deepEqual(
      outcomes.filter((o) => o instanceof Error),
      [],
    );
    const expected = await rowsBySerial(alone.scratch);
    const actual = await rowsBySerial(together.scratch);
    assert.equal(actual.size, bodies.length);
    for (const [serial, tables] of expected)
      assert.deepEqual(actual.get(serial), tables, `${serial}: the storm's rows differ from the machine's rows posted alone`);
    const links = await together.scratch.sql<{ n: number }>('SELECT COUNT(DISTINCT platform_ref) AS n FROM dploy_hosts');
    assert.equal(Number(links[0]!.n), bodies.length, 'each host linked to a computer of its own');
  } finally {
    await alone.dispose();
    await together.dispose();
  }
});

test('a machine whose rows fail in a storm is refused alone: the others of its group are written whole, nothing of it is kept', async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    // A row the database refuses in the middle of the group's multi-row INSERT into bios.
    await scratch.sql(
      "CREATE TRIGGER refuse_bad BEFORE INSERT ON bios FOR EACH ROW IF NEW.SSN = 'DPLOY-STORM-BAD' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF",
    );
    const bodies = Array.from({ length: 10 }, (_, i) => machine(0x50 + i, i === 6 ? 'DPLOY-STORM-BAD' : `DPLOY-STORM-${i}`));
    const outcomes = await storm(platform, bodies);
    assert.match(String(outcomes[6]), /refused by the test/);
    assert.deepEqual(
      outcomes.filter((o, i) => i !== 6 && o instanceof Error),
      [],
    );
    const computers = await scratch.sql<{ SSN: string; nets: number; disks: number; tag: string }>(
      `SELECT b.SSN, (SELECT COUNT(*) FROM networks n WHERE n.HARDWARE_ID = h.ID) AS nets, (SELECT COUNT(*) FROM storages s WHERE s.HARDWARE_ID = h.ID) AS disks, a.TAG AS tag
         FROM hardware h JOIN bios b ON b.HARDWARE_ID = h.ID JOIN accountinfo a ON a.HARDWARE_ID = h.ID ORDER BY b.SSN`,
    );
    assert.deepEqual(
      computers.map((c) => c.SSN),
      bodies
        .map((_, i) => `DPLOY-STORM-${i}`)
        .filter((_, i) => i !== 6)
        .sort(),
    );
    for (const c of computers) assert.deepEqual([Number(c.nets), Number(c.disks) > 0, c.tag], [2, true, 'NA'], `${c.SSN} is whole`);
    for (const table of ['hardware', 'dploy_hosts', 'dploy_inventories'])
      assert.equal((await scratch.sql(`SELECT 1 FROM ${table}`)).length, 9, `${table}: nothing of the refused machine`);
    for (const table of ['cpus', 'memories', 'storages', 'networks', 'accountinfo']) {
      assert.deepEqual(
        await scratch.sql(`SELECT HARDWARE_ID FROM ${table} WHERE HARDWARE_ID NOT IN (SELECT ID FROM hardware)`),
        [],
        `${table}: nothing of the refused machine`,
      );
    }
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_host_macs')).length, 18);
  } finally {
    await dispose();
  }
});

test("known computers updated in a storm while OCS holds one's lock: the others are written, OCS's lock stays, none of dploy's is left", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    const bodies = Array.from({ length: 4 }, (_, i) => machine(0x30 + i));
    for (const body of bodies) await post(platform, body);
    const ids = await scratch.sql<{ ID: number; SSN: string }>('SELECT h.ID, b.SSN FROM hardware h JOIN bios b ON b.HARDWARE_ID = h.ID ORDER BY b.SSN');
    // OCS's server is writing the last one.
    await scratch.sql('INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES (?, 4242, NOW())', [ids[3]!.ID]);
    const changed = bodies.map((b, i) => Buffer.from(b.toString('utf8').replace(`DPLOY-STORM-${0x30 + i}`, `DPLOY-STORM-${0x30 + i}B`)));
    const outcomes = await storm(platform, [...changed, SEABIOS]);
    assert.ok(isDployError(outcomes[3], 'DPLOY_ERR_MACHINE_LOCKED'), String(outcomes[3]));
    assert.deepEqual(
      outcomes.filter((o, i) => i !== 3 && o instanceof Error),
      [],
    );
    const serials = (await scratch.sql<{ SSN: string }>('SELECT SSN FROM bios ORDER BY SSN')).map((r) => r.SSN);
    assert.deepEqual(serials, ['DPLOY-FIX-0001', 'DPLOY-STORM-48B', 'DPLOY-STORM-49B', 'DPLOY-STORM-50B', 'DPLOY-STORM-51']);
    assert.deepEqual(
      await scratch.sql('SELECT HARDWARE_ID, ID FROM locks'),
      [{ HARDWARE_ID: ids[3]!.ID, ID: 4242 }],
      "OCS's lock left as it was, none of dploy's",
    );
  } finally {
    await dispose();
  }
});

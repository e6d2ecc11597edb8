// The discovery group in both of its forms, on the real MariaDB: as compound
// statements (MariaDB: new machines written in the round trip that checks
// they are) and as multi-statement queries (MySQL has no anonymous compound
// statement; forced here with compoundStatements: false). The same storm
// must give the same hosts either way. Compound batches whose shape recurs go
// prepared (store/discovery/prepared-shapes.ts); a server that will not prepare gets
// them as queries, still in groups.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { createDiscoveryIntake, prepareIntake, recordIntake, type Intake } from '../../../plugin/store/discovery/index.js';
import { listHosts } from '../../../plugin/store/hosts.js';
import { retryOnUniqueViolation } from '../../../plugin/store/unique-retry.js';
import { openTestStore } from '../../support/databases.js';
import { ovmfVariant, ovmfVariantMacs } from '../../support/ovmf-variant.js';

const QEMU = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');
const intakeOf = (xml: string) => prepareIntake(parseInventory(xml, 'xml'), { format: 'xml', body: Buffer.from(xml) });
const macName = (n: number) => `host-${ovmfVariantMacs(n)[0]!.replace(/:/g, '')}`;

for (const compoundStatements of [true, false]) {
  test(`${compoundStatements ? 'compound statements (MariaDB)' : 'multi-statement queries (MySQL)'}: a storm from one image, then re-posts and a new machine among known ones, each written once`, async () => {
    const { store, dispose } = await openTestStore('mysql');
    try {
      const { db } = store;
      // The one-by-one path a failed group's machines fall back to: counted, as it would hide a broken group.
      let aloneCalls = 0;
      const alone = (intake: Intake) => {
        aloneCalls++;
        return retryOnUniqueViolation(() => db.transaction((tx) => recordIntake(tx, 'mysql', intake)));
      };
      const record = createDiscoveryIntake(db, alone, undefined, { compoundStatements });
      const post = (xml: string) => new Promise<void>((r) => setImmediate(r)).then(() => record(intakeOf(xml)));
      const first = await Promise.all(Array.from({ length: 10 }, (_, n) => post(ovmfVariant(QEMU, n, `DPLOY-FORM-${n}`, 'mindi'))));
      assert.ok(first.every((r) => r.created));
      assert.equal(first.filter((r) => r.host.name === 'mindi').length, 1, "the image's hostname is given once");
      // Known machines posting again, with one new machine among them.
      const second = await Promise.all([
        ...[0, 3, 7].map((n) => post(ovmfVariant(QEMU, n, `DPLOY-FORM-${n}`, 'mindi'))),
        post(ovmfVariant(QEMU, 10, 'DPLOY-FORM-10', 'mindi')),
      ]);
      assert.deepEqual(
        second.map((r) => r.created),
        [false, false, false, true],
      );
      assert.deepEqual(
        second.slice(0, 3).map((r) => r.host.id),
        [0, 3, 7].map((n) => first[n]!.host.id),
        're-posts update the machines they are',
      );
      assert.equal(second[3]!.host.name, macName(10));
      const hosts = await listHosts(db.manager);
      assert.equal(hosts.length, 11);
      for (const n of [...Array(11).keys()]) {
        const host = hosts.find((h) => h.serial === `DPLOY-FORM-${n}`)!;
        assert.deepEqual(host.macs, ovmfVariantMacs(n));
      }
      assert.equal(Number((await db.query('SELECT COUNT(*) AS n FROM dploy_inventories'))[0].n), 11, 'the re-posts of the same documents stored nothing');
      assert.equal(aloneCalls, 0, 'every machine went in a group; none fell back to the one-by-one path');
    } finally {
      await dispose();
    }
  });
}

test('a server that will not prepare (max_prepared_stmt_count reached): recurring batches go as queries, in groups, nothing lost', async () => {
  const { store, dispose } = await openTestStore('mysql');
  const { db } = store;
  const [limit] = (await db.query('SELECT @@GLOBAL.max_prepared_stmt_count AS n')) as Array<{ n: number }>;
  try {
    let aloneCalls = 0;
    const record = createDiscoveryIntake(db, (intake) => {
      aloneCalls++;
      return retryOnUniqueViolation(() => db.transaction((tx) => recordIntake(tx, 'mysql', intake)));
    });
    await db.query('SET GLOBAL max_prepared_stmt_count = 0');
    // One machine at a time: the same shape every time after the first, which names the image's hostname.
    for (let n = 0; n < 6; n++) await record(intakeOf(ovmfVariant(QEMU, n, `DPLOY-NOPREP-${n}`, 'mindi')));
    const hosts = await listHosts(db.manager);
    assert.deepEqual(
      hosts.map((h) => h.serial).sort(),
      Array.from({ length: 6 }, (_, n) => `DPLOY-NOPREP-${n}`),
    );
    assert.equal(aloneCalls, 0, 'the refused prepare did not fail the group');
  } finally {
    await db.query(`SET GLOBAL max_prepared_stmt_count = ${Number(limit!.n)}`);
    await dispose();
  }
});

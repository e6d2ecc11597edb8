// M2: every inventory post was stored raw forever, so the public enrollment
// token could fill the database's disk by re-posting a machine's inventory
// (any document, when agent.rediscoverKnownHosts is on or the machine is in a
// discover job). Now each host keeps its last agent.inventoriesKept distinct
// documents: the same document again stores nothing, a new one prunes the
// oldest in the transaction that stores it. `dploy inventories` and /metrics
// show the store's size.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../support/databases.js';
import { runDploy } from '../../support/cli.js';
import { machineDocument, postInventory, startTrustServer } from '../../support/trust-server.js';
import { latestInventory } from '../../../plugin/store/inventories.js';
import { openOcsPlatform } from '../../support/ocs/scratch.js';
import { parseInventory } from '../../../plugin/inventory/index.js';

const MAC = '52:54:00:aa:20:01';
const KEPT = 3;
const serials = (n: number) => Array.from({ length: n }, (_, i) => `FLOOD-${String(i).padStart(3, '0')}`);

for (const dialect of DIALECTS) {
  describe(`inventory retention on ${dialect}`, () => {
    test(
      'a flood of re-inventories of one machine leaves its last N distinct documents; a re-post stores nothing; the size is shown',
      { timeout: 120_000 },
      async () => {
        const dploy = await startTrustServer(dialect, { agent: { rediscoverKnownHosts: true, inventoriesKept: KEPT } });
        try {
          const db = dploy.server.store.db.manager;
          const stored = async (hostId: number) =>
            ((await db.query(`SELECT size_bytes FROM dploy_inventories WHERE host_id = ${hostId} ORDER BY id`)) as unknown[]).length;
          let hostId = 0;
          for (const serial of serials(12)) {
            const posted = await postInventory(dploy.url, dploy.enrollment, machineDocument(MAC, serial));
            assert.equal(posted.status, 200, JSON.stringify(posted.body));
            hostId = Number(posted.body.host_id);
          }
          assert.equal(await stored(hostId), KEPT, `12 distinct documents posted, ${KEPT} kept`);
          assert.equal((await latestInventory(db, hostId))?.inventory.system.serial, 'FLOOD-011', 'the newest is kept');

          for (let i = 0; i < 5; i++) assert.equal((await postInventory(dploy.url, dploy.enrollment, machineDocument(MAC, 'FLOOD-011'))).status, 200);
          assert.equal(await stored(hostId), KEPT, 'the same document again stores nothing');

          // An older document posted again is one document, now the newest: A B C then B keeps A C B.
          assert.equal((await postInventory(dploy.url, dploy.enrollment, machineDocument(MAC, 'FLOOD-010'))).status, 200);
          const kept = ((await db.query(`SELECT sha256 FROM dploy_inventories WHERE host_id = ${hostId}`)) as Array<{ sha256: string }>).map((r) => r.sha256);
          assert.equal(new Set(kept).size, kept.length, 'no document twice');
          assert.equal(kept.length, KEPT);
          assert.equal((await latestInventory(db, hostId))?.inventory.system.serial, 'FLOOD-010');

          const other = await postInventory(dploy.url, dploy.enrollment, machineDocument('52:54:00:aa:20:02'));
          assert.equal(other.status, 200);
          const postedBytes = Number(((await db.query('SELECT SUM(size_bytes) AS n FROM dploy_inventories')) as Array<{ n: string | number }>)[0]!.n);
          assert.ok(postedBytes > KEPT * 1000, String(postedBytes));

          const metrics = await fetch(`${dploy.url}/metrics`);
          assert.equal(metrics.status, 200);
          assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
          const text = await metrics.text();
          assert.match(text, new RegExp(`^dploy_inventory_documents ${KEPT + 1}$`, 'm'));
          assert.match(text, /^dploy_inventory_hosts 2$/m);
          assert.match(text, new RegExp(`^dploy_inventory_posted_bytes ${postedBytes}$`, 'm'));
          assert.match(text, new RegExp(`^dploy_inventory_kept_per_host ${KEPT}$`, 'm'));

          const cli = await runDploy(['inventories'], {
            cwd: dploy.cwd,
            env: { DPLOY_DATABASE_URL: dploy.databaseUrl, DPLOY_AGENT_INVENTORIES_KEPT: String(KEPT) },
          });
          assert.equal(cli.code, 0, cli.stderr);
          assert.equal(
            cli.stdout,
            `inventories: ${KEPT + 1} document(s) of 2 host(s), ${postedBytes} bytes as posted (stored gzip-compressed); ${KEPT} distinct document(s) kept per host (agent.inventoriesKept)\n`,
          );
        } finally {
          await dploy.close();
        }
      },
    );
  });
}

describe('inventory retention with platform ocs', () => {
  test('the batched discovery path prunes in its own batch: machines re-inventoried together keep their last N each', { timeout: 120_000 }, async () => {
    const { scratch, platform, dispose } = await openOcsPlatform();
    try {
      const macs = ['52:54:00:aa:21:01', '52:54:00:aa:21:02', '52:54:00:aa:21:03'];
      const post = (mac: string, serial: string) => {
        const body = Buffer.from(machineDocument(mac, serial));
        return platform.recordInventory(parseInventory(body, 'xml'), { format: 'xml', body, rediscover: true, keepDocuments: 2 });
      };
      for (const round of serials(5)) {
        // The three machines at once: one group, one batch, each its own prune.
        await Promise.all(macs.map((mac) => new Promise<void>((r) => setImmediate(r)).then(() => post(mac, `${round}-${mac.slice(-2)}`))));
      }
      await Promise.all(macs.map((mac) => post(mac, `FLOOD-004-${mac.slice(-2)}`)));
      const rows = await scratch.sql<{ host_id: number; n: number }>('SELECT host_id, COUNT(*) AS n FROM dploy_inventories GROUP BY host_id');
      assert.deepEqual(
        rows.map((r) => Number(r.n)),
        [2, 2, 2],
        JSON.stringify(rows),
      );
      const computers = await scratch.sql<{ SSN: string }>('SELECT SSN FROM bios ORDER BY SSN');
      assert.deepEqual(
        computers.map((c) => c.SSN),
        macs.map((mac) => `FLOOD-004-${mac.slice(-2)}`),
        "OCS's own rows carry the newest document",
      );
    } finally {
      await dispose();
    }
  });
});

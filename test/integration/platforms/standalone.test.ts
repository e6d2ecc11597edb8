// The platform contract, run over the standalone provider on every database.
// The OCS and SIM providers join this list when they land.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { setHostTask } from '../../../plugin/store/tasks.js';
import { getHost, listHosts } from '../../../plugin/store/hosts.js';
import type { Store } from '../../../plugin/store/database.js';
import { isDployError } from '../../../plugin/errors.js';
import { openTestStore, DIALECTS } from '../../support/databases.js';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { ovmfVariant, ovmfVariantMacs } from '../../support/ovmf-variant.js';

// A real lshw document from a qemu q35/OVMF machine (docs/inventory.md, Fixtures).
const QEMU = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');
// These tests are about how a re-inventory is written; who may send one is tested in test/integration/security.
const document = (xml: string) => ({ format: 'xml' as const, body: Buffer.from(xml), rediscover: true });

/** Machine i of a storm: the QEMU document with its own MACs, UUID and serial, under a given hostname. */
const storm = (i: number, hostname: string) => ovmfVariant(QEMU, 0x40 + i, `DPLOY-STORM-${i}`, hostname);
const stormMacs = (i: number) => ovmfVariantMacs(0x40 + i);
/** A post as HTTP delivers it: from its own macrotask. */
const post = (platform: ReturnType<typeof createPlatform>, xml: string) =>
  new Promise<void>((r) => setImmediate(r)).then(() => platform.recordInventory(parseInventory(xml, 'xml'), document(xml)));

async function withPlatform(dialect: (typeof DIALECTS)[number], body: (p: ReturnType<typeof createPlatform>, s: Store) => Promise<void>) {
  const { store, dispose } = await openTestStore(dialect);
  try {
    await body(createPlatform('standalone', store), store);
  } finally {
    await dispose();
  }
}

for (const dialect of DIALECTS) {
  describe(`standalone platform on ${dialect}`, () => {
    test('a machine added by hand is listed with its MACs in boot order', () =>
      withPlatform(dialect, async (platform, store) => {
        const host = await platform.addHost({ name: 'Web01', macs: ['52:54:00:00:00:02', '52-54-00-00-00-01'], bmcAddress: 'ilo-web01' });
        assert.equal(host.name, 'web01');
        assert.deepEqual(host.macs, ['52:54:00:00:00:02', '52:54:00:00:00:01']);
        const listed = await listHosts(store.db.manager);
        assert.deepEqual(
          listed.map((h) => [h.id, h.name, h.bmcAddress, h.bootState.kind]),
          [[host.id, 'web01', 'ilo-web01', 'localboot']],
        );
      }));

    test('a failed add leaves nothing behind', () =>
      withPlatform(dialect, async (platform, store) => {
        await platform.addHost({ name: 'a', macs: ['52:54:00:00:00:01'] });
        await assert.rejects(platform.addHost({ name: 'b', macs: ['52:54:00:00:00:02', '52:54:00:00:00:01'] }), (err) =>
          isDployError(err, 'DPLOY_ERR_CONFLICT'),
        );
        assert.deepEqual(
          (await listHosts(store.db.manager)).map((h) => h.name),
          ['a'],
        );
        assert.equal((await store.db.query('SELECT COUNT(*) AS n FROM dploy_host_macs'))[0].n == 1, true);
      }));

    test('pending tasks are listed until the status write clears them', () =>
      withPlatform(dialect, async (platform, store) => {
        const a = await platform.addHost({ name: 'a', macs: ['52:54:00:00:00:01'] });
        const b = await platform.addHost({ name: 'b', macs: ['52:54:00:00:00:02'] });
        await setHostTask(store.db.manager, b.id, 'install', 'rocky-9-web');
        const pending = await platform.pendingTasks();
        assert.deepEqual(
          pending.map((t) => [t.hostId, t.task, t.profile]),
          [[b.id, 'install', 'rocky-9-web']],
        );
        assert.ok(pending[0]!.setAt instanceof Date && Math.abs(pending[0]!.setAt.getTime() - Date.now()) < 60_000);
        await platform.writeStatus(b.id, 'installing rocky-9-web since 10:42');
        assert.equal((await platform.pendingTasks()).length, 1, 'status alone keeps the task');
        await platform.writeStatus(b.id, 'deployed rocky-10-web', { clearTask: { task: 'install', what: 'rocky-10-web' } });
        assert.equal((await platform.pendingTasks()).length, 1, 'the end of another install keeps the task set meanwhile');
        await platform.writeStatus(b.id, 'deployed rocky-9-web', { clearTask: { task: 'install', what: 'rocky-9-web' } });
        assert.deepEqual(await platform.pendingTasks(), []);
        assert.equal((await getHost(store.db.manager, b.id)).status, 'deployed rocky-9-web');
        assert.equal((await getHost(store.db.manager, a.id)).status, undefined);
      }));

    test('forgetting a machine removes its MACs so discovery can start again', () =>
      withPlatform(dialect, async (platform, store) => {
        const host = await platform.addHost({ name: 'a', macs: ['52:54:00:00:00:01'] });
        await platform.forgetHost(host.id);
        assert.deepEqual(await listHosts(store.db.manager), []);
        await assert.rejects(platform.forgetHost(host.id), (err) => isDployError(err, 'DPLOY_ERR_NOT_FOUND'));
        await platform.addHost({ name: 'a2', macs: ['52:54:00:00:00:01'] });
      }));

    test('a re-posted inventory updates the same machine; a changed disk and a new NIC are reported, not a new host', () =>
      withPlatform(dialect, async (platform, store) => {
        const first = await platform.recordInventory(parseInventory(QEMU, 'xml'), document(QEMU));
        assert.equal(first.created, true);
        assert.deepEqual(first.host.macs, ['52:54:00:d0:00:11', '52:54:00:d0:00:12']);
        assert.equal(first.host.uuid, '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02');
        const again = await platform.recordInventory(parseInventory(QEMU, 'xml'), document(QEMU));
        assert.equal(again.created, false);
        assert.equal(again.host.id, first.host.id);
        assert.deepEqual(again.changes, []);

        // Same machine, one disk swapped (new serial) and one NIC replaced by a new card.
        const changed = QEMU.replace('<serial>QM00001</serial>', '<serial>QM99999</serial>').replace('52:54:00:d0:00:12', '52:54:00:d0:00:99');
        const third = await platform.recordInventory(parseInventory(changed, 'xml'), document(changed));
        assert.equal(third.host.id, first.host.id, 'UUID and the other MAC still identify it');
        assert.ok(
          third.changes.some((c) => /^disk .*QM99999.* added/.test(c) || /^disk .* changed/.test(c)),
          third.changes.join('; '),
        );
        assert.ok(
          third.changes.some((c) => /^nic 52:54:00:d0:00:99 added/.test(c)),
          third.changes.join('; '),
        );
        assert.ok(third.host.macs.includes('52:54:00:d0:00:99'));
        assert.equal((await listHosts(store.db.manager)).length, 1);
        const stored = await store.db.query('SELECT COUNT(*) AS n FROM dploy_inventories');
        assert.equal(Number(stored[0].n), 2, 'every distinct document kept, the re-post of the same one not again');
      }));

    test('the same new machine posted 8 times at once is one host with its MACs and one document; the losers of the race retry, nothing half-written', () =>
      withPlatform(dialect, async (platform, store) => {
        // Each post from its own macrotask, as HTTP requests arrive (SQLite's one connection then takes them in turn).
        const results = await Promise.all(Array.from({ length: 8 }, () => post(platform, QEMU)));
        assert.equal(new Set(results.map((r) => r.host.id)).size, 1, 'one host for all eight');
        assert.equal(results.filter((r) => r.created).length, 1, 'created once, the rest matched it');
        const count = async (table: string) => Number((await store.db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
        assert.equal(await count('dploy_hosts'), 1);
        assert.equal(await count('dploy_host_macs'), 2);
        assert.equal(await count('dploy_inventories'), 1, 'the same document stored once');
        // Connections that lost the race went back to the pool clean: a new machine afterwards is whole.
        const other = QEMU.replaceAll('52:54:00:d0:00:1', '52:54:00:e0:00:1').replace(
          '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02',
          '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a99',
        );
        const later = await Promise.all(Array.from({ length: 8 }, (_, i) => post(platform, i === 0 ? other : QEMU)));
        assert.equal(await count('dploy_hosts'), 2);
        assert.equal(await count('dploy_host_macs'), 4);
        assert.equal(await count('dploy_inventories'), 2);
        assert.deepEqual((await getHost(store.db.manager, later[0]!.host.id)).macs, ['52:54:00:e0:00:11', '52:54:00:e0:00:12']);
      }));

    test('a race lost half-way (host row written, its MAC taken meanwhile) leaves no orphan host behind', () =>
      withPlatform(dialect, async (platform, store) => {
        // The same machine under two hostnames at once: both names are free, so the loser's host row goes in
        // and its MAC insert fails. That row must be rolled back, not left on the connection for the next
        // statement to commit.
        const machine = (round: number, name: string) =>
          QEMU.replace('<node id="_none_" claimed="true" class="system"', `<node id="${name}" claimed="true" class="system"`)
            .replaceAll('52:54:00:d0:00:1', `52:54:00:${(0xa0 + round).toString(16)}:00:1`)
            .replace('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02', `6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4b${String(round).padStart(2, '0')}`);
        for (let round = 0; round < 12; round++)
          await Promise.all([post(platform, machine(round, `alpha${round}`)), post(platform, machine(round, `beta${round}`))]);
        // Every pooled connection used again for new machines.
        await Promise.all(Array.from({ length: 12 }, (_, i) => post(platform, machine(40 + i, `later${i}`))));
        const hosts = await listHosts(store.db.manager);
        assert.equal(hosts.length, 24, hosts.map((h) => `${h.name}:${h.macs.join(',')}`).join(' '));
        assert.deepEqual(
          hosts.filter((h) => h.macs.length !== 2).map((h) => h.name),
          [],
          'no host without its MACs',
        );
      }));

    test("a storm of machines booted from one image: each is whole, the first takes the image's hostname, the others names from their MACs", () =>
      withPlatform(dialect, async (platform, store) => {
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => post(platform, storm(i, 'mindi'))));
        assert.equal(new Set(results.map((r) => r.host.id)).size, 12);
        assert.ok(results.every((r) => r.created));
        const hosts = await listHosts(store.db.manager);
        assert.equal(hosts.length, 12);
        assert.deepEqual(hosts.filter((h) => h.name === 'mindi').length, 1, 'the hostname is given once');
        for (const [i, result] of results.entries()) {
          const host = hosts.find((h) => h.id === result.host.id)!;
          assert.deepEqual(host.macs, stormMacs(i), `machine ${i} has its own two MACs`);
          assert.equal(host.serial, `DPLOY-STORM-${i}`);
          assert.ok(host.name === 'mindi' || host.name === `host-${stormMacs(i)[0]!.replace(/:/g, '')}`, host.name);
          assert.equal(result.host.name, host.name, 'the answer names the host as stored');
        }
        assert.equal(Number((await store.db.query('SELECT COUNT(*) AS n FROM dploy_inventories'))[0].n), 12);
        // Later machines of the image, one by one and in a storm: the name is found taken, each is written once, named from its MACs.
        const later = [
          await post(platform, storm(12, 'mindi')),
          ...(await Promise.all(Array.from({ length: 6 }, (_, i) => post(platform, storm(13 + i, 'mindi'))))),
        ];
        assert.ok(
          later.every((r, i) => r.created && r.host.name === `host-${stormMacs(12 + i)[0]!.replace(/:/g, '')}`),
          later.map((r) => r.host.name).join(' '),
        );
        const after = await listHosts(store.db.manager);
        assert.equal(after.length, 19);
        assert.equal(after.filter((h) => h.name === 'mindi').length, 1);
      }));

    test('in a storm, the one machine whose facts point at two known hosts is refused; the others are written', () =>
      withPlatform(dialect, async (platform, store) => {
        const [first, second] = stormMacs(5);
        await platform.addHost({ name: 'old-a', macs: [first!] });
        await platform.addHost({ name: 'old-b', macs: [second!] });
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            post(platform, storm(i, `node${i}`)).then(
              (r) => r.host.name,
              (err: unknown) => err,
            ),
          ),
        );
        const refused = outcomes[5];
        assert.ok(isDployError(refused, 'DPLOY_ERR_CONFLICT') && /forget the stale host/.test(refused.message), String(refused));
        assert.deepEqual(
          outcomes.filter((_, i) => i !== 5),
          ['node0', 'node1', 'node2', 'node3', 'node4', 'node6', 'node7'],
        );
        assert.equal(Number((await store.db.query('SELECT COUNT(*) AS n FROM dploy_inventories'))[0].n), 7, 'nothing of the refused machine kept');
        assert.equal((await listHosts(store.db.manager)).length, 9);
      }));

    test('in a storm, a known machine whose NICs were all replaced is found by its UUID and updated, not written twice', () =>
      withPlatform(dialect, async (platform, store) => {
        const first = await Promise.all(Array.from({ length: 8 }, (_, i) => post(platform, storm(i, `node${i}`))));
        // Machine 3 comes back with new NICs (same UUID and serial), machine 6 as it was, two machines are new.
        const swapped = storm(3, 'node3').replaceAll('52:54:00:43:00:1', '52:54:00:f3:00:1');
        const second = await Promise.all([
          post(platform, swapped),
          post(platform, storm(6, 'node6')),
          post(platform, storm(20, 'node20')),
          post(platform, storm(21, 'node21')),
        ]);
        assert.deepEqual(
          second.map((r) => [r.host.id, r.created]),
          [
            [first[3]!.host.id, false],
            [first[6]!.host.id, false],
            [second[2]!.host.id, true],
            [second[3]!.host.id, true],
          ],
        );
        const hosts = await listHosts(store.db.manager);
        assert.equal(hosts.length, 10, hosts.map((h) => h.name).join(' '));
        assert.deepEqual(hosts.find((h) => h.id === first[3]!.host.id)!.macs, [...stormMacs(3), '52:54:00:f3:00:11', '52:54:00:f3:00:12']);
        assert.equal(
          Number((await store.db.query('SELECT COUNT(*) AS n FROM dploy_inventories'))[0].n),
          11,
          'machine 6 as it was: its document not stored again',
        );
      }));

    test('two machines with the same serial but different UUIDs and MACs stay two machines', () =>
      withPlatform(dialect, async (platform) => {
        const a = await platform.recordInventory(parseInventory(QEMU, 'xml'), document(QEMU));
        const otherXml = QEMU.replace('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02', '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a99')
          .split('52:54:00:d0:00:1')
          .join('52:54:00:e0:00:1');
        const b = await platform.recordInventory(parseInventory(otherXml, 'xml'), document(otherXml));
        assert.equal(b.created, true);
        assert.notEqual(a.host.id, b.host.id);
      }));

    test('an inventory whose facts point at two different known machines is refused as a conflict', () =>
      withPlatform(dialect, async (platform, store) => {
        await platform.addHost({ name: 'old-a', macs: ['52:54:00:d0:00:11'] });
        await platform.addHost({ name: 'old-b', macs: ['52:54:00:d0:00:12'] });
        await assert.rejects(
          platform.recordInventory(parseInventory(QEMU, 'xml'), document(QEMU)),
          (err) => isDployError(err, 'DPLOY_ERR_CONFLICT') && /forget the stale host/.test(err.message),
        );
        assert.equal(Number((await store.db.query('SELECT COUNT(*) AS n FROM dploy_inventories'))[0].n), 0);
      }));

    test('check() passes on a reachable database', () => withPlatform(dialect, (platform) => platform.check()));
  });
}

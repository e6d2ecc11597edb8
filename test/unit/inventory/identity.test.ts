// Identity matching and hardware diffs on inventories parsed from real
// documents (qemu machines this project defines, this machine's, and the
// shared real servers when present), changed the way hardware changes: a NIC
// swapped, a disk replaced, a DIMM pulled.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { diffInventories, identityOf, matchIdentity, readLshwInventory } from '../../../plugin/inventory/index.js';
import type { KnownHost } from '../../../plugin/inventory/index.js';
import type { Inventory } from '../../../plugin/model/inventory.js';
import { projectLshwDir, readDocument, sharedSkip } from './lshw-documents.js';
import { qemuDocument } from './qemu-machines.js';

const json = readFileSync(path.join(projectLshwDir, 'firecracker-vm.json'), 'utf8');
const shared = (name: string) => readLshwInventory(readDocument(name), name.endsWith('.json') ? 'json' : 'xml');
const qemu = (name: string) => readLshwInventory(qemuDocument(name, 'xml'), 'xml');

/** A server with a UUID, a serial and physical NICs, two of them bonded (sharing a MAC), and a VLAN. */
interface BondedServer {
  label: string;
  skip: string | false;
  inventory: () => Inventory;
  softwareNames: (inventory: Inventory) => string[];
}

const BONDED: BondedServer[] = [
  {
    // lshw 02.19 lists neither bond0 nor the VLAN; the second slave shows bond0's MAC.
    label: 'the qemu machine with a bond over two e1000e and a VLAN on its virtio-net',
    skip: false,
    inventory: () => qemu('q35-ovmf-bond-vlan'),
    softwareNames: () => [],
  },
  {
    // A Dell C6105 with UUID, serial and 6 physical MACs (two of them bond slaves sharing one).
    label: 'a Dell C6105 (shared fixtures)',
    skip: sharedSkip,
    inventory: () => shared('tumblr_collins__test_resources_lshw-000997.out'),
    softwareNames: () => ['bond0', 'p1p3.104'],
  },
];

for (const server of BONDED) {
  describe(`matching an inventory to a known host: ${server.label}`, { skip: server.skip }, () => {
    const inventory = server.inventory();
    const identity = identityOf(inventory);

    it('matches by SMBIOS UUID first', () => {
      const hosts: KnownHost[] = [
        { id: 1, macs: ['52:54:00:00:00:01'] },
        { id: 2, uuid: identity.uuid, macs: [] },
      ];
      const result = matchIdentity(identity, hosts);
      assert.equal(result.kind, 'match');
      assert.ok(result.kind === 'match' && result.hostId === 2 && result.criterion.join() === 'uuid');
    });

    it('still matches a machine whose NIC was replaced, and reports the MAC change', () => {
      const known: KnownHost = { id: 7, uuid: identity.uuid, serial: identity.serial, macs: [...identity.macs.slice(1), '00:1b:21:00:00:01'] };
      const result = matchIdentity(identity, [known]);
      assert.equal(result.kind, 'match');
      if (result.kind !== 'match') return;
      assert.deepEqual(result.changes, [
        { fact: 'mac', after: identity.macs[0] },
        { fact: 'mac', before: '00:1b:21:00:00:01' },
      ]);
    });

    it('matches by serial only together with a shared MAC under the default policy', () => {
      const sameSerialOnly: KnownHost = { id: 3, serial: identity.serial, macs: ['52:54:00:00:00:09'] };
      assert.deepEqual(matchIdentity({ serial: identity.serial, macs: identity.macs }, [sameSerialOnly]), { kind: 'none' });
      assert.equal(matchIdentity({ serial: identity.serial, macs: identity.macs }, [sameSerialOnly], [['serial']]).kind, 'match');
    });

    it('reports a conflict when the UUID names one host and a MAC another', () => {
      const result = matchIdentity(identity, [
        { id: 1, uuid: identity.uuid, macs: [] },
        { id: 2, macs: [identity.macs.at(-1)!] },
      ]);
      assert.equal(result.kind, 'conflict');
      assert.ok(
        result.kind === 'conflict' && result.hostIds.join() === '1,2' && /UUID points at host 1 but a MAC points at host 2.*forget/.test(result.message),
      );
    });

    it('reports a conflict when one MAC is recorded on two hosts', () => {
      const result = matchIdentity({ macs: identity.macs }, [
        { id: 4, macs: [identity.macs[0]!] },
        { id: 5, macs: [identity.macs[0]!] },
      ]);
      assert.ok(result.kind === 'conflict' && /shared by hosts 4, 5/.test(result.message));
    });

    it("uses only physical NICs: the bond and VLAN MACs are not identity facts, the slaves' shared MAC counts once", () => {
      assert.deepEqual(
        inventory.nics.filter((n) => n.virtual).map((n) => n.logicalName),
        server.softwareNames(inventory),
      );
      assert.equal(identity.macs.length, new Set(inventory.nics.filter((n) => !n.virtual).map((n) => n.mac)).size);
    });
  });
}

// Two boards that both say "0123456789": pairs of machines from different vendors.
const PLACEHOLDER_PAIRS = [
  { label: 'two qemu machines given -smbios serial=0123456789', skip: false as const, names: ['pc-vmxnet3', 'q35-seabios-before'], read: qemu },
  {
    label: 'a Tyan and a Supermicro (shared fixtures)',
    skip: sharedSkip,
    names: ['redhat-cip_hardware__hardware_tests_samples_lshw3.xml', 'tumblr_collins__test_resources_lshw-new-web-old-lshw.xml'],
    read: shared,
  },
];
for (const pair of PLACEHOLDER_PAIRS) {
  it(`never merges two machines that share the placeholder serial "0123456789" (dropped at parse time): ${pair.label}`, { skip: pair.skip }, () => {
    const [a, b] = pair.names.map((name) => identityOf(pair.read(name)));
    assert.equal(a!.serial, undefined);
    assert.equal(b!.serial, undefined);
    assert.deepEqual(matchIdentity(b!, [{ id: 1, ...a! }], [['serial']]), { kind: 'none' });
    assert.deepEqual(matchIdentity(b!, [{ id: 1, ...a! }]), { kind: 'none' });
  });
}

describe('hardware changes between two inventories of one machine', () => {
  const before = readLshwInventory(json, 'json');

  it('finds no change between two runs of lshw on one machine in two formats', () => {
    const xml = readLshwInventory(readFileSync(path.join(projectLshwDir, 'firecracker-vm.xml')), 'xml');
    assert.deepEqual(diffInventories(before, xml), []);
  });

  it('lists a replaced NIC and more memory', () => {
    const after = readLshwInventory(
      json.replace('"serial" : "02:fc:00:00:00:01"', '"serial" : "02:fc:00:00:00:02"').replace('"size" : 25769803776', '"size" : 34359738368'),
      'json',
    );
    assert.deepEqual(
      diffInventories(before, after).map((c) => `${c.part} ${c.change} ${c.key}`),
      ['memory changed total', 'nic added 02:fc:00:00:00:02', 'nic removed 02:fc:00:00:00:01'],
    );
  });

  it('lists a pulled DIMM and a replaced disk from two boots of one qemu machine', () => {
    // q35-seabios-before: 17 GiB (DIMM 0 16 GiB, DIMM 1 1 GiB), a 2 GiB virtio disk; -after: 16 GiB, a 4 GiB disk.
    for (const format of ['xml', 'json'] as const) {
      const read = (name: string) => readLshwInventory(qemuDocument(name, format), format);
      const diff = diffInventories(read('q35-seabios-before'), read('q35-seabios-after'));
      assert.deepEqual(
        diff.map((c) => `${c.part} ${c.change} ${c.key}`),
        ['memory changed total', 'memory removed DIMM 1', 'disk changed /dev/vda'],
        format,
      );
      assert.deepEqual(diff[0], { part: 'memory', change: 'changed', key: 'total', before: `${17 * 1024 ** 3} bytes`, after: `${16 * 1024 ** 3} bytes` });
    }
  });

  it('lists a replaced disk and a pulled DIMM on a real server (shared fixtures)', { skip: sharedSkip }, () => {
    const name = 'Manouchehri_dl360p__lshw.json';
    const text = readDocument(name).toString('utf8');
    const old = readLshwInventory(text, 'json');
    // The 16 GB USB stick becomes a 32 GB one (its size is on the disk and its medium); the DIMM in PROC 2 slot 12 loses its size, as an empty slot has none.
    const changed = text.replaceAll('15376318464', '32017047552').replace(/("slot" : "PROC  2 DIMM 12",)\s*"units" : "bytes",\s*"size" : 17179869184,/, '$1');
    assert.notEqual(changed, text.replaceAll('15376318464', '32017047552'), 'the DIMM mutation applied');
    const diff = diffInventories(old, readLshwInventory(changed, 'json')).map((c) => `${c.part} ${c.change} ${c.key}`);
    assert.deepEqual(diff, ['memory changed total', 'memory removed PROC  2 DIMM 12', 'disk changed /dev/sdc']);
  });
});

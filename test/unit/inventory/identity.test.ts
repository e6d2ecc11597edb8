// Identity matching and hardware diffs on inventories parsed from real
// documents (this machine's, and the shared ones when present), changed the
// way hardware changes: a NIC swapped, a disk replaced, a DIMM pulled.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { diffInventories, identityOf, matchIdentity, readLshwInventory } from '../../../plugin/inventory/index.js';
import type { KnownHost } from '../../../plugin/inventory/index.js';
import { projectLshwDir, readDocument, sharedSkip } from './lshw-documents.js';

const json = readFileSync(path.join(projectLshwDir, 'firecracker-vm.json'), 'utf8');
const shared = (name: string) => readLshwInventory(readDocument(name), name.endsWith('.json') ? 'json' : 'xml');

describe('matching an inventory to a known host', { skip: sharedSkip }, () => {
  // A Dell C6105 with UUID, serial and 6 physical MACs (two of them bond slaves sharing one).
  const dell = identityOf(shared('tumblr_collins__test_resources_lshw-000997.out'));

  it('matches by SMBIOS UUID first', () => {
    const hosts: KnownHost[] = [{ id: 1, macs: ['52:54:00:00:00:01'] }, { id: 2, uuid: dell.uuid, macs: [] }];
    const result = matchIdentity(dell, hosts);
    assert.equal(result.kind, 'match');
    assert.ok(result.kind === 'match' && result.hostId === 2 && result.criterion.join() === 'uuid');
  });

  it('still matches a machine whose NIC was replaced, and reports the MAC change', () => {
    const known: KnownHost = { id: 7, uuid: dell.uuid, serial: dell.serial, macs: [...dell.macs.slice(1), '00:1b:21:00:00:01'] };
    const result = matchIdentity(dell, [known]);
    assert.equal(result.kind, 'match');
    if (result.kind !== 'match') return;
    assert.deepEqual(result.changes, [{ fact: 'mac', after: dell.macs[0] }, { fact: 'mac', before: '00:1b:21:00:00:01' }]);
  });

  it('matches by serial only together with a shared MAC under the default policy', () => {
    const sameSerialOnly: KnownHost = { id: 3, serial: dell.serial, macs: ['52:54:00:00:00:09'] };
    assert.deepEqual(matchIdentity({ serial: dell.serial, macs: dell.macs }, [sameSerialOnly]), { kind: 'none' });
    assert.equal(matchIdentity({ serial: dell.serial, macs: dell.macs }, [sameSerialOnly], [['serial']]).kind, 'match');
  });

  it('never merges two machines that share the placeholder serial "0123456789" (dropped at parse time)', () => {
    const tyan = identityOf(shared('redhat-cip_hardware__hardware_tests_samples_lshw3.xml'));
    const supermicro = identityOf(shared('tumblr_collins__test_resources_lshw-new-web-old-lshw.xml'));
    assert.equal(tyan.serial, undefined);
    assert.equal(supermicro.serial, undefined);
    assert.deepEqual(matchIdentity(supermicro, [{ id: 1, ...tyan }], [['serial']]), { kind: 'none' });
    assert.deepEqual(matchIdentity(supermicro, [{ id: 1, ...tyan }]), { kind: 'none' });
  });

  it('reports a conflict when the UUID names one host and a MAC another', () => {
    const result = matchIdentity(dell, [{ id: 1, uuid: dell.uuid, macs: [] }, { id: 2, macs: [dell.macs[2]!] }]);
    assert.equal(result.kind, 'conflict');
    assert.ok(result.kind === 'conflict' && result.hostIds.join() === '1,2' && /UUID points at host 1 but a MAC points at host 2.*forget/.test(result.message));
  });

  it('reports a conflict when one MAC is recorded on two hosts', () => {
    const result = matchIdentity({ macs: dell.macs }, [{ id: 4, macs: [dell.macs[0]!] }, { id: 5, macs: [dell.macs[0]!] }]);
    assert.ok(result.kind === 'conflict' && /shared by hosts 4, 5/.test(result.message));
  });

  it('uses only physical NICs: the bond and VLAN MACs are not identity facts', () => {
    const inventory = shared('tumblr_collins__test_resources_lshw-000997.out');
    assert.equal(inventory.nics.filter((n) => n.virtual).map((n) => n.logicalName).join(), 'bond0,p1p3.104');
    assert.equal(dell.macs.length, new Set(inventory.nics.filter((n) => !n.virtual).map((n) => n.mac)).size);
  });
});

describe('hardware changes between two inventories of one machine', () => {
  const before = readLshwInventory(json, 'json');

  it('finds no change between two runs of lshw on one machine in two formats', () => {
    const xml = readLshwInventory(readFileSync(path.join(projectLshwDir, 'firecracker-vm.xml')), 'xml');
    assert.deepEqual(diffInventories(before, xml), []);
  });

  it('lists a replaced NIC and more memory', () => {
    const after = readLshwInventory(json.replace('"serial" : "02:fc:00:00:00:01"', '"serial" : "02:fc:00:00:00:02"').replace('"size" : 25769803776', '"size" : 34359738368'), 'json');
    assert.deepEqual(diffInventories(before, after).map((c) => `${c.part} ${c.change} ${c.key}`), [
      'memory changed total', 'nic added 02:fc:00:00:00:02', 'nic removed 02:fc:00:00:00:01',
    ]);
  });

  it('lists a replaced disk and a pulled DIMM on a real server', { skip: sharedSkip }, () => {
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

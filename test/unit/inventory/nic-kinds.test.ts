// Physical or virtual NIC, whatever lshw's capability `logical` says: the
// qemu machine whose only NIC is a vmxnet3 (test/fixtures/lshw/qemu/pc-vmxnet3.xml;
// lshw gives it both `physical` and `logical`) read as is, and with that one
// node turned into a Hyper-V hv_netvsc (no bus lshw reads), a bridge, or an
// unknown logical interface.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { identityOf, parseInventory } from '../../../plugin/inventory/index.js';
import { qemuDocument, qemuMachine } from './qemu-machines.js';

const VMXNET3 = qemuDocument('pc-vmxnet3', 'xml');
const MAC = qemuMachine('pc-vmxnet3').paravirtual!.mac;

function variant(edit: { driver?: string; name?: string; noBus?: boolean }): string {
  let xml = VMXNET3;
  if (edit.driver) xml = xml.replace('<setting id="driver" value="vmxnet3" />', `<setting id="driver" value="${edit.driver}" />`);
  if (edit.name) xml = xml.replace('<logicalname>eth0</logicalname>', `<logicalname>${edit.name}</logicalname>`);
  if (edit.noBus) xml = xml.replace('<businfo>pci@0000:00:03.0</businfo>', '');
  assert.notEqual(xml, VMXNET3, 'the edit applied');
  return xml;
}

describe('a paravirtual NIC is a physical NIC', () => {
  it('reads the vmxnet3 node (PCI, capability logical) as physical, and the machine is identified by it', () => {
    assert.match(VMXNET3, /<capability id="logical" >Logical interface<\/capability>/);
    const inventory = parseInventory(Buffer.from(VMXNET3), 'xml');
    assert.deepEqual(
      inventory.nics.map((n) => ({ mac: n.mac, virtual: n.virtual, driver: n.driver })),
      [{ mac: MAC, virtual: false, driver: 'vmxnet3' }],
    );
    assert.deepEqual(identityOf(inventory).macs, [MAC]);
  });

  it('reads an hv_netvsc node without bus information (lshw does not read VMBus) as physical', () => {
    const inventory = parseInventory(Buffer.from(variant({ driver: 'hv_netvsc', noBus: true })), 'xml');
    assert.deepEqual(
      inventory.nics.map((n) => ({ mac: n.mac, virtual: n.virtual, bus: n.busInfo ?? null })),
      [{ mac: MAC, virtual: false, bus: null }],
    );
  });
});

describe('software interfaces stay virtual', () => {
  for (const [why, edit] of [
    ['a bridge (driver bridge), even with a bus address', { driver: 'bridge' }],
    ['a bond by its name', { name: 'bond0', noBus: true, driver: 'unknown' }],
    ['a tap by its name', { name: 'tap0', noBus: true, driver: 'unknown' }],
    ['a logical interface on no bus with a driver nobody knows', { noBus: true, driver: 'unknown' }],
  ] as const) {
    it(`${why}: a machine with only that NIC is refused, nothing to boot or identify it by`, () => {
      assert.throws(() => parseInventory(Buffer.from(variant(edit)), 'xml'), /no physical network interface with a usable MAC address/);
    });
  }
});

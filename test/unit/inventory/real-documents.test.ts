import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { parseInventory, readLshwInventory } from '../../../plugin/inventory/index.js';
import type { Inventory } from '../../../plugin/model/inventory.js';
import type { ExpectedDocument } from './lshw-documents.js';
import { expectedDocuments, formatOf, lshwFiles, projectLshwDir, readDocument, sharedLshwDir, sharedSkip } from './lshw-documents.js';
import { QEMU_MACHINES, qemuDocument } from './qemu-machines.js';

const expected = expectedDocuments();

function observed(inventory: Inventory) {
  return {
    serial: inventory.system.serial ?? null,
    uuid: inventory.system.uuid ?? null,
    vendor: inventory.system.vendor ?? null,
    product: inventory.system.product ?? null,
    arch: inventory.arch,
    cpuCount: inventory.cpus.length,
    memoryBytes: inventory.memoryBytes,
    disks: inventory.disks.map((d) => ({ logicalName: d.logicalName, sizeBytes: d.sizeBytes ?? null })),
    nics: inventory.nics.map((n) => ({ mac: n.mac, virtual: n.virtual })),
  };
}

function checkDocument(name: string, want: ExpectedDocument): void {
  if (want.error !== undefined) {
    assert.throws(
      () => parseInventory(readDocument(name), formatOf(name)),
      (err) => isDployError(err, 'DPLOY_ERR_INVENTORY_INVALID') && err.message.includes(want.error!),
    );
    return;
  }
  const { rejected: _rejected, note: _note, error: _error, ...values } = want;
  assert.deepEqual(observed(readLshwInventory(readDocument(name), formatOf(name))), values);
  if (want.rejected) {
    assert.throws(
      () => parseInventory(readDocument(name), formatOf(name)),
      (err) => isDployError(err, 'DPLOY_ERR_INVENTORY_INVALID') && /no physical network interface/.test(err.message),
    );
  } else {
    assert.ok(parseInventory(readDocument(name), formatOf(name)).nics.length > 0);
  }
}

describe('the real lshw documents in the shared fixtures', { skip: sharedSkip }, () => {
  for (const name of sharedSkip ? [] : lshwFiles(sharedLshwDir)) {
    const want = expected.get(name);
    it(`reads ${name} as recorded in expected.json${want?.note ? ` (${want.note})` : ''}`, () => {
      assert.ok(want, `${name} has no entry in test/fixtures/lshw/expected.json: read the document and record its values`);
      checkDocument(name, want);
    });
  }

  it('gives the same machine from the XML and the JSON lshw wrote on one host', () => {
    for (const [xml, json] of [
      ['Manouchehri_dl360p__lshw.xml', 'Manouchehri_dl360p__lshw.json'],
      ['1and1_lshw2json__example_lshw.xml', '1and1_lshw2json__example_lshw.json'],
    ] as const) {
      const a = observed(readLshwInventory(readDocument(xml), 'xml'));
      const b = observed(readLshwInventory(readDocument(json), 'json'));
      assert.deepEqual(a, b, `${xml} vs ${json}`);
    }
  });
});

describe("this project's own lshw documents", () => {
  for (const name of lshwFiles(projectLshwDir)) {
    it(`reads ${name} as recorded in expected.json`, () => {
      const want = expected.get(name);
      assert.ok(want, `${name} has no entry in test/fixtures/lshw/expected.json`);
      checkDocument(name, want);
    });
  }
});

/** A kernel name, with "?" for a letter probe order decides (sda or sdb). */
const nameMatches = (pattern: string, name: string | undefined) => new RegExp(`^${pattern.replace(/\?/g, '[a-z]')}$`).test(name ?? '');

describe('lshw on the qemu machines make-qemu-fixtures.sh defines, read against their definitions', () => {
  for (const machine of QEMU_MACHINES) {
    for (const format of ['xml', 'json'] as const) {
      it(`${machine.name}.${format}: SMBIOS, CPUs, memory, disks and NICs as the qemu command line set them`, () => {
        const inventory = parseInventory(qemuDocument(machine.name, format), format);
        assert.deepEqual(
          { serial: inventory.system.serial ?? null, uuid: inventory.system.uuid, vendor: inventory.system.vendor, product: inventory.system.product },
          { serial: machine.serial, uuid: machine.uuid, vendor: machine.vendor, product: machine.product },
        );
        assert.equal(inventory.arch, 'x86_64');
        assert.equal(inventory.cpus.length, machine.cpuCount);
        assert.equal(inventory.memoryBytes, machine.memoryBytes);
        assert.deepEqual(
          inventory.memoryBanks.map((b) => ({ slot: b.slot, sizeBytes: b.sizeBytes })),
          machine.dimms,
        );
        assert.deepEqual(
          inventory.nics.map((n) => ({ mac: n.mac, virtual: n.virtual })),
          machine.nics,
        );
        if (machine.paravirtual) {
          const nic = inventory.nics.find((n) => n.mac === machine.paravirtual!.mac && !n.virtual);
          assert.equal(nic?.driver, machine.paravirtual.driver);
        }
        const bySize = (a: { sizeBytes: number | null }, b: { sizeBytes: number | null }) => (a.sizeBytes ?? 0) - (b.sizeBytes ?? 0);
        const disks = inventory.disks.map((d) => ({ name: d.logicalName, sizeBytes: d.sizeBytes ?? null })).sort(bySize);
        const want = [...machine.disks].sort(bySize);
        assert.equal(disks.length, want.length, JSON.stringify(disks));
        want.forEach((w, i) =>
          assert.ok(nameMatches(w.name, disks[i]!.name) && disks[i]!.sizeBytes === w.sizeBytes, `${JSON.stringify(disks[i])} is not ${JSON.stringify(w)}`),
        );
      });
    }

    it(`${machine.name}: the XML and the JSON lshw wrote in one boot give the same machine`, () => {
      const xml = observed(readLshwInventory(qemuDocument(machine.name, 'xml'), 'xml'));
      assert.deepEqual(observed(readLshwInventory(qemuDocument(machine.name, 'json'), 'json')), xml);
    });
  }
});

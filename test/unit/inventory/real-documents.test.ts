import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { parseInventory, readLshwInventory } from '../../../plugin/inventory/index.js';
import type { Inventory } from '../../../plugin/model/inventory.js';
import type { ExpectedDocument } from './lshw-documents.js';
import { expectedDocuments, formatOf, lshwFiles, projectLshwDir, readDocument, sharedLshwDir, sharedSkip } from './lshw-documents.js';

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
    assert.throws(() => parseInventory(readDocument(name), formatOf(name)), (err) => isDployError(err, 'DPLOY_ERR_INVENTORY_INVALID') && err.message.includes(want.error!));
    return;
  }
  const { rejected: _rejected, note: _note, error: _error, ...values } = want;
  assert.deepEqual(observed(readLshwInventory(readDocument(name), formatOf(name))), values);
  if (want.rejected) {
    assert.throws(() => parseInventory(readDocument(name), formatOf(name)), (err) => isDployError(err, 'DPLOY_ERR_INVENTORY_INVALID') && /no physical network interface/.test(err.message));
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
    for (const [xml, json] of [['Manouchehri_dl360p__lshw.xml', 'Manouchehri_dl360p__lshw.json'], ['1and1_lshw2json__example_lshw.xml', '1and1_lshw2json__example_lshw.json']] as const) {
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

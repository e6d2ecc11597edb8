// The writer keeps only the columns ocs-columns.ts knows (ocs-schema.ts
// resolves them once at start): a column machine-rows.ts starts writing
// without being added there would be dropped from every row without a word.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { machineRows } from '../../../plugin/platforms/ocs/machine-rows.js';
import { COMPUTER_TABLES } from '../../../plugin/platforms/ocs/ocs-columns.js';

test('every column dploy computes for an OCS computer is one the schema check knows', () => {
  for (const fixture of ['qemu-seabios-pc.xml', 'qemu-ovmf-q35.xml']) {
    const rows = machineRows(
      parseInventory(readFileSync(new URL(`../../fixtures/lshw/${fixture}`, import.meta.url)), 'xml'),
      'node1.example.org',
      'dploy/test',
      '10.0.0.9',
    );
    // DEVICEID, FIDELITY and CHECKSUM are added by the writer when it inserts the hardware row.
    const written = { ...rows, hardware: [{ ...rows.hardware, DEVICEID: '', FIDELITY: 1, CHECKSUM: 0 }], bios: [rows.bios] };
    for (const [table, tableRows] of Object.entries(written)) {
      const { needed, filled } = COMPUTER_TABLES[table as keyof typeof COMPUTER_TABLES];
      const known = new Set([...Object.keys(needed), ...Object.keys(filled)]);
      const unknown = [...new Set((tableRows as Array<Record<string, unknown>>).flatMap((r) => Object.keys(r)))].filter((c) => !known.has(c));
      assert.deepEqual(unknown, [], `${fixture}: ${table} columns missing from ocs-columns.ts`);
    }
  }
});

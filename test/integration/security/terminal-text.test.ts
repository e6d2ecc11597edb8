// Low (issue 20): strings from machines reached the operator's terminal raw.
// An inventory is the machine's word: a vendor with a right-to-left override
// shows a different model, an ESC sequence retitles or rewrites the
// operator's terminal, a zero-width space makes two serials look alike. The
// CLI shows each such character as a visible escape (\u202e), in tables,
// fields, hardware lines and --json alike; JSON readers still get the value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { openPlatform } from '../../../plugin/platforms/index.js';
import { parseInventory } from '../../../plugin/inventory/index.js';

const JSON_LSHW = readFileSync(new URL('../../fixtures/lshw/firecracker-vm.json', import.meta.url), 'utf8');
const VENDOR = 'Acme\u202eFDP.evil\u202c';
const PRODUCT = 'R640\x1b]0;owned\x07\x1b[2J\u009b31m';
const SERIAL = 'SN\u200b001\ufeff\u2066x\u2069\u200e';
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

test('bidi, zero-width and terminal-escape characters from an inventory are shown escaped by hosts list/show, never raw', { timeout: 180_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-terminal-'));
  const document = JSON.parse(JSON_LSHW) as Record<string, unknown>;
  Object.assign(document, { vendor: VENDOR, product: PRODUCT, serial: SERIAL });
  const body = Buffer.from(JSON.stringify(document));
  const { store, platform } = await openPlatform('standalone', `sqlite:${join(cwd, 'var', 'dploy.sqlite')}`);
  try {
    const inventory = parseInventory(body, 'json');
    assert.equal(inventory.system.vendor, VENDOR, "the inventory keeps the machine's words as they are");
    await platform.recordInventory(inventory, { format: 'json', body });
  } finally {
    await store.close();
  }

  const [list, show, json] = await Promise.all([
    runDploy(['hosts', 'list'], { cwd }),
    runDploy(['hosts', 'show', '1'], { cwd }),
    runDploy(['hosts', 'show', '1', '--json'], { cwd }),
  ]);
  for (const run of [list, show, json]) {
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, HIDDEN, JSON.stringify(run.stdout));
  }
  assert.match(list.stdout, /SN\\u200b001\\ufeff\\u2066x\\u2069\\u200e/);
  assert.match(show.stdout, /^Vendor:\s+Acme\\u202eFDP\.evil\\u202c$/m);
  // The inventory reader already turns controls into spaces; whatever else reaches the CLI is escaped (doesNotMatch above).
  assert.match(show.stdout, /^Product:\s+R640 \]0;owned \[2J 31m$/m);
  assert.match(show.stdout, /^Serial:\s+SN\\u200b001/m);
  const parsed = JSON.parse(json.stdout) as { serial: string };
  assert.equal(parsed.serial, SERIAL, '--json gives the same value to a JSON reader');
});

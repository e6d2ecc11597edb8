// The error catalogue is complete and documented: every DPLOY_ERR_* code that
// dploy's code, agent scripts or templates name is in plugin/errors.ts, and
// docs/errors.md lists each catalogued code with the same HTTP status and
// retry answer (and nothing the catalogue lacks).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS } from '../../plugin/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where codes are used: the product, the scripts run on machines, the shipped templates. */
const SOURCES = ['plugin', 'agent-scripts', 'pxe'];
const CODE = /DPLOY_ERR_[A-Z0-9_]*[A-Z0-9]/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Each code used, with the first file that uses it. */
function usedCodes(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of SOURCES.flatMap((dir) => filesUnder(join(ROOT, dir)))) {
    for (const code of readFileSync(file, 'utf8').match(CODE) ?? []) {
      if (!used.has(code)) used.set(code, relative(ROOT, file));
    }
  }
  return used;
}

interface DocumentedCode {
  status: number;
  retryable: boolean;
}

/** The rows of docs/errors.md's table: | `CODE` | status | yes/no | meaning | what to do |. */
function documentedCodes(): Map<string, DocumentedCode> {
  const rows = new Map<string, DocumentedCode>();
  for (const line of readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8').split('\n')) {
    const row = /^\| `(DPLOY_ERR_[A-Z0-9_]+)` \| (\d{3}) \| (yes|no) \| ([^|]+) \| ([^|]+) \|$/.exec(line);
    if (!row) continue;
    assert.ok(!rows.has(row[1]!), `docs/errors.md lists ${row[1]} twice`);
    rows.set(row[1]!, { status: Number(row[2]), retryable: row[3] === 'yes' });
  }
  return rows;
}

test('every DPLOY_ERR_* code used in plugin, agent-scripts and templates is in the catalogue', () => {
  const used = usedCodes();
  assert.ok(used.size >= 20, `expected the codes in use to be found, got ${used.size}`);
  const missing = [...used].filter(([code]) => !(code in ERRORS)).map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(missing, [], 'used but not in plugin/errors.ts');
});

test('docs/errors.md documents every catalogued code with its status and retry answer, and no other', () => {
  const documented = documentedCodes();
  const catalogued = Object.entries(ERRORS);
  const undocumented = catalogued.filter(([code]) => !documented.has(code)).map(([code]) => code);
  assert.deepEqual(undocumented, [], 'catalogued but not in docs/errors.md');
  const stale = [...documented.keys()].filter((code) => !(code in ERRORS));
  assert.deepEqual(stale, [], 'in docs/errors.md but not in plugin/errors.ts');
  for (const [code, entry] of catalogued) {
    assert.deepEqual(documented.get(code), { status: entry.status, retryable: entry.retryable }, `${code}: docs/errors.md differs from plugin/errors.ts`);
  }
});

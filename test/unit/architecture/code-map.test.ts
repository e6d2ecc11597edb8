// docs/code.md is the map of plugin/: what each folder may import, who writes
// each table, how many files each folder holds. The rules are held here and
// the page must state the same ones; the code must obey them. A new import
// across folders or a second writer of a table is then a visible change to
// the page, not a drift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES } from '../../../plugin/store/tables.js';
import { importsOf, PROJECT, pluginFiles, unitImports, unitOf, writesTable } from './plugin-graph.js';

/** Imported by anyone; imports nothing of the plugin but each other (model/: nothing at all). */
const GROUND_FLOOR = ['plugin/model/', 'plugin/errors.ts', 'plugin/package-root.ts', 'plugin/version.ts', 'plugin/worker-thread.ts', 'plugin/secret-box.ts'];
const ANY = '*';

/** unit -> what it may import beyond the ground floor and its own files; `*`: a composition root, anything. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  ...Object.fromEntries(GROUND_FLOOR.map((unit) => [unit, []])),
  'plugin/config/': [],
  'plugin/inventory/': [],
  'plugin/tftp/': [],
  'plugin/boot/': [],
  'plugin/remote/': [],
  'plugin/bootenv/': ['plugin/boot/'],
  'plugin/images/': ['plugin/remote/', 'plugin/store/', 'plugin/boot/'],
  'plugin/store/': ['plugin/inventory/', 'plugin/power/'],
  'plugin/power/': ['plugin/store/'],
  'plugin/dhcp/': ['plugin/store/', 'plugin/boot/'],
  'plugin/platforms/': ['plugin/store/', 'plugin/inventory/'],
  'plugin/installers/': ['plugin/store/', 'plugin/boot/', 'plugin/jobs/'],
  'plugin/jobs/': ['plugin/store/', 'plugin/config/', 'plugin/platforms/', 'plugin/installers/', 'plugin/power/', 'plugin/remote/', 'plugin/images/'],
  'plugin/web/': [
    'plugin/store/',
    'plugin/inventory/',
    'plugin/boot/',
    'plugin/tftp/',
    'plugin/platforms/',
    'plugin/installers/',
    'plugin/jobs/',
    'plugin/images/',
  ],
  'plugin/cli/': [ANY],
  'plugin/cli.ts': [ANY],
  'plugin/main.ts': [ANY],
  'plugin/server.ts': [ANY],
  'plugin/boot-wiring.ts': [ANY],
};

/** OCS's own tables that dploy writes (as OCS's server would). */
const OCS_TABLES = ['hardware', 'bios', 'cpus', 'memories', 'storages', 'networks', 'accountinfo', 'accountinfo_config', 'config', 'locks'];

/** table -> the one folder whose files write it. */
const WRITER: Record<string, string> = {
  ...Object.fromEntries(TABLES.map((t) => [t.table, 'plugin/store/'])),
  dploy_profiles: 'plugin/installers/',
  ...Object.fromEntries(OCS_TABLES.map((t) => [t, 'plugin/platforms/ocs/'])),
};

const PAGE = readFileSync(join(PROJECT, 'docs/code.md'), 'utf8');
const FILES = pluginFiles();

/** The rows of the first markdown table under `## heading`, as cells (backticks dropped). */
function tableUnder(heading: string): string[][] {
  const start = PAGE.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/code.md has a "## ${heading}" section`);
  const lines = PAGE.slice(start + heading.length + 5).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('|'));
  // The header row and the |---| row come first.
  return lines.slice(first + 2, end < 0 ? undefined : end).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/`/g, '')),
  );
}

const list = (cell: string) =>
  cell === '—'
    ? []
    : cell
        .split(',')
        .map((s) => s.trim())
        .sort();

test('every folder imports only what docs/code.md says it may', () => {
  const graph = unitImports(FILES);
  const unruled = [...graph.keys()].filter((unit) => !(unit in MAY_IMPORT));
  assert.deepEqual(unruled, [], 'every folder and top-level file of plugin/ has a rule (add its row here and in docs/code.md)');
  const breaches: string[] = [];
  for (const [unit, targets] of graph) {
    const allowed = MAY_IMPORT[unit]!;
    if (allowed.includes(ANY)) continue;
    // model/ imports nothing at all (shared/DESIGN.md); everyone else may stand on the ground floor.
    const floor = unit === 'plugin/model/' ? [] : GROUND_FLOOR;
    for (const target of targets) if (!allowed.includes(target) && !floor.includes(target)) breaches.push(`${unit} imports ${target}`);
  }
  assert.deepEqual(breaches, []);
});

test('plugin/tftp and plugin/inventory stand on the ground floor alone', () => {
  assert.deepEqual(MAY_IMPORT['plugin/tftp/'], [], `plugin/tftp may import only ${GROUND_FLOOR.join(', ')}`);
  assert.deepEqual(MAY_IMPORT['plugin/inventory/'], [], `plugin/inventory may import only ${GROUND_FLOOR.join(', ')}`);
});

test('no two files of plugin/ import each other, directly or round a circle', () => {
  const graph = new Map(FILES.map((f) => [f.path, importsOf(f)]));
  const circles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    if (path.includes(file)) return void circles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
    if (done.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  assert.deepEqual(circles, []);
});

test('docs/code.md states the same import rules', () => {
  const stated = Object.fromEntries(tableUnder('Folders').map((row) => [row[0]!, list(row[2]!)]));
  const held = Object.fromEntries(Object.entries(MAY_IMPORT).map(([unit, allowed]) => [unit, [...allowed].sort()]));
  assert.deepEqual(stated, held);
});

test('every table has one writer, the folder docs/code.md names', () => {
  const entities = new Map<string, string>(TABLES.map((t) => [t.table, t.entity]));
  const strangers: string[] = [];
  for (const [table, owner] of Object.entries(WRITER)) {
    for (const file of FILES) {
      if (!file.path.startsWith(owner) && writesTable(file.text, table, entities.get(table))) strangers.push(`${file.path} writes ${table} (owner: ${owner})`);
    }
  }
  assert.deepEqual(strangers, []);
  const stated = Object.fromEntries(tableUnder('Tables').map((row) => [row[0]!, row[1]!]));
  assert.deepEqual(stated, WRITER, 'docs/code.md lists every table with its writer');
});

test('docs/code.md counts the files of every folder', () => {
  const counts: Record<string, number> = {};
  for (const file of FILES) {
    const folder = `${file.path.slice(0, file.path.lastIndexOf('/'))}/`;
    counts[folder] = (counts[folder] ?? 0) + 1;
  }
  const stated = Object.fromEntries(tableUnder('Files').map((row) => [row[0]!, Number(row[1])]));
  assert.deepEqual(stated, counts);
});

test('the graph reader sees imports and writes in the forms plugin/ uses', () => {
  assert.equal(unitOf('plugin/store/discovery/machines.ts'), 'plugin/store/');
  assert.equal(unitOf('plugin/errors.ts'), 'plugin/errors.ts');
  const file = {
    path: 'plugin/jobs/x.ts',
    text: "import type { A } from '../store/jobs.js';\nexport { B } from './b.js';\nconst c = await import('../tftp/server.js');\nimport 'typeorm';",
  };
  assert.deepEqual([...unitImports([file]).get('plugin/jobs/')!].sort(), ['plugin/store/', 'plugin/tftp/']);
  assert.ok(writesTable("await tx.query('UPDATE dploy_hosts SET status = ? WHERE id = ?')", 'dploy_hosts'));
  assert.ok(writesTable('INSERT IGNORE INTO `accountinfo` (HARDWARE_ID) VALUES (?)', 'accountinfo'));
  assert.ok(writesTable("tx.getRepository<JobRow>('Job').update(", 'dploy_jobs', 'Job'));
  assert.ok(writesTable("await bulkInsert(tx, dialect, 'dploy_jobs', JOB_COLUMNS, rows)", 'dploy_jobs'));
  assert.ok(writesTable(".addRow('bios', fit(rows.bios, columns.bios), hid)", 'bios'));
  assert.ok(!writesTable('SELECT id FROM dploy_hosts_old', 'dploy_hosts'));
  assert.ok(!writesTable('UPDATE dploy_host_macs SET mac = ?', 'dploy_hosts'));
});

// What plugin/ is made of, read from its source: the folder each .ts file is
// in, the plugin files it imports, and the tables it writes with SQL text or
// through a typeorm repository. Plain text reading (no TypeScript compiler):
// dploy's imports are all `import … from '…'` / `export … from '…'` /
// `import('…')` with a relative specifier ending in .js.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PLUGIN = join(PROJECT, 'plugin');

export interface SourceFile {
  /** Path from the project root, e.g. plugin/store/jobs.ts. */
  path: string;
  text: string;
}

export function pluginFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push({ path: relative(PROJECT, full), text: readFileSync(full, 'utf8') });
    }
  };
  walk(PLUGIN);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The unit an import rule speaks of: plugin/<folder>/ for a file in a folder, plugin/<name>.ts for a file at the top. */
export function unitOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 2 ? path : `${parts[0]}/${parts[1]}/`;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The plugin files a file imports (relative specifiers only: packages are no part of the map). */
export function importsOf(file: SourceFile): string[] {
  const targets: string[] = [];
  for (const m of file.text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) continue;
    targets.push(relative(PROJECT, resolve(PROJECT, dirname(file.path), spec)).replace(/\.js$/, '.ts'));
  }
  return targets;
}

/** unit -> the other units its files import. */
export function unitImports(files: SourceFile[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const from = unitOf(file.path);
    const seen = graph.get(from) ?? new Set<string>();
    graph.set(from, seen);
    for (const target of importsOf(file)) if (unitOf(target) !== from) seen.add(unitOf(target));
  }
  return graph;
}

/** Whether the file writes the table: SQL text (INSERT/UPDATE/DELETE/REPLACE naming it), the batch and bulk insert helpers, or a typeorm repository of its entity (any access counts). */
export function writesTable(text: string, table: string, entity?: string): boolean {
  const sql = new RegExp(`\\b(?:INSERT\\s+(?:IGNORE\\s+)?INTO|REPLACE\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+[\`"]?${table}[\`"]?(?![\\w])`, 'i');
  const helper = new RegExp(`(?:\\.addRows?\\(\\s*|bulkInsert\\([^'"\`)]*)['"\`]${table}['"\`]`);
  const repository = entity ? new RegExp(`getRepository(?:<[^>]*>)?\\(\\s*['"]${entity}['"]`) : undefined;
  return sql.test(text) || helper.test(text) || (repository?.test(text) ?? false);
}

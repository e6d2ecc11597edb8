// Where the real lshw documents live for the inventory tests: the shared,
// read-only collection next to the repository (../shared/fixtures/lshw, see
// its README; CI has it) and this project's own in test/fixtures/lshw.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InventoryFormat } from '../../../plugin/inventory/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedLshwDir = path.resolve(repoRoot, '../shared/fixtures/lshw');
export const projectLshwDir = path.join(repoRoot, 'test/fixtures/lshw');

/** Set when the shared fixtures are absent: the reason given to node:test's skip, so the report says they were not run. */
export const sharedSkip = existsSync(sharedLshwDir) ? false : `NOT RUN: ${sharedLshwDir} is absent (the shared real-hardware lshw fixtures; CI provides them)`;

export interface ExpectedDocument {
  serial: string | null;
  uuid: string | null;
  vendor: string | null;
  product: string | null;
  arch: string;
  cpuCount: number;
  memoryBytes: number;
  disks: Array<{ logicalName: string; sizeBytes: number | null }>;
  nics: Array<{ mac: string; virtual: boolean }>;
  rejected: boolean;
  error?: string;
  note?: string;
}

export function expectedDocuments(): Map<string, ExpectedDocument> {
  const raw = JSON.parse(readFileSync(path.join(projectLshwDir, 'expected.json'), 'utf8')) as Record<string, ExpectedDocument>;
  return new Map(Object.entries(raw).filter(([name]) => name !== '_about'));
}

export function lshwFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.(xml|json|out)$/.test(name) && name !== 'expected.json')
    .sort();
}

export function locate(name: string): string {
  const own = path.join(projectLshwDir, name);
  return existsSync(own) ? own : path.join(sharedLshwDir, name);
}

/** `.out` files in the shared set are XML (tumblr/collins names them so). */
export function formatOf(name: string): InventoryFormat {
  return name.endsWith('.json') ? 'json' : 'xml';
}

export function readDocument(name: string): Buffer {
  return readFileSync(locate(name));
}

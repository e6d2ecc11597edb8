// `lshw -json` into LshwNode trees. JSON.parse creates "__proto__" as an own
// property, and only the keys lshw writes are read from here on, so a hostile
// key is never copied into an object. lshw's asJSON (src/core/hw.cc) writes one
// "units" per node that applies to both "size" and "capacity"; "clock" is Hz
// and "width" bits without a units key.

import { DployError } from '../errors.js';
import { cleanText, emptyNode, parseCount, TEXT_FIELDS } from './lshw-node.js';
import type { LshwNode, Measure } from './lshw-node.js';

type Raw = Record<string, unknown>;

/** lshw trees are about 10 levels deep; deeper is not lshw and would only cost stack. */
const MAX_DEPTH = 64;

/** Parses `lshw -json` output (one object, or an array of them from newer lshw). */
export function readLshwJson(text: string): LshwNode[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      `the JSON inventory is not valid JSON (${(err as Error).message}); send the complete, unmodified output of "lshw -json"`,
      { cause: err },
    );
  }
  const roots = (Array.isArray(document) ? document : [document]).filter(isRecord);
  if (roots.length === 0 || !roots.some((root) => typeof root.class === 'string' && typeof root.id === 'string')) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      'the JSON document is not lshw output (no object with lshw\'s "id" and "class" keys at its root); send the output of "lshw -json"',
    );
  }
  return roots.map((root) => toNode(root, 0));
}

function toNode(raw: Raw, depth: number): LshwNode {
  if (depth > MAX_DEPTH) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      `the JSON inventory nests devices more than ${MAX_DEPTH} levels deep, which lshw never does; send the output of "lshw -json"`,
    );
  }
  const node = emptyNode(cleanText(raw.id) ?? '', cleanText(raw.class) ?? '');
  node.claimed = raw.claimed === true;
  node.disabled = raw.disabled === true;
  for (const field of TEXT_FIELDS) {
    const value = cleanText(raw[field]);
    if (value !== undefined) node[field] = value;
  }
  for (const name of Array.isArray(raw.logicalname) ? raw.logicalname : [raw.logicalname]) {
    const value = cleanText(name);
    if (value !== undefined) node.logicalNames.push(value);
  }
  const units = cleanText(raw.units);
  for (const field of ['size', 'capacity'] as const) {
    const measure = measureOf(raw[field], units);
    if (measure) node[field] = measure;
  }
  const clock = measureOf(raw.clock, 'Hz');
  if (clock) node.clock = clock;
  const width = parseCount(raw.width);
  if (width !== undefined) node.width = width;
  for (const [key, value] of entriesOf(raw.configuration)) {
    const id = cleanText(key);
    const text = cleanText(value);
    if (id !== undefined && text !== undefined) node.configuration.set(id, text);
  }
  for (const [key] of entriesOf(raw.capabilities)) {
    const id = cleanText(key);
    if (id !== undefined) node.capabilities.add(id);
  }
  node.children = (Array.isArray(raw.children) ? raw.children : []).filter(isRecord).map((child) => toNode(child, depth + 1));
  return node;
}

function measureOf(raw: unknown, units: string | undefined): Measure | undefined {
  const value = parseCount(raw);
  if (value === undefined) return undefined;
  return units === undefined ? { value } : { value, units };
}

function entriesOf(raw: unknown): Array<[string, unknown]> {
  return isRecord(raw) ? Object.entries(raw) : [];
}

function isRecord(raw: unknown): raw is Raw {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

// The element and attribute names lshw writes (hwNode::asXML in
// src/core/hw.cc), looked up straight from the document's characters. A name
// found here comes back as the one shared string instead of a fresh copy for
// each of the ~4,000 tags of a server document, and later comparisons with it
// (name === 'node') are then a pointer check. Any other name is sliced as
// before: the table saves work, it never decides what is accepted.

const LSHW_NAMES = [
  'list', 'node', 'description', 'product', 'vendor', 'version', 'date', 'serial', 'slot', 'physid',
  'businfo', 'logicalname', 'dev', 'size', 'capacity', 'clock', 'width', 'configuration', 'setting',
  'capabilities', 'capability', 'resources', 'resource', 'hints', 'hint',
  'id', 'class', 'claimed', 'disabled', 'handle', 'units', 'value', 'type',
];

/** 256 slots for 33 names: probes are nearly always one. */
const MASK = 255;
const NAMES: string[] = new Array<string>(MASK + 1).fill('');
const HASHES = new Int32Array(MASK + 1);

/** The hash the scanner folds over a name's char codes as it reads them: `h = nameHash(h, c)` from 0. */
export function nameHash(hash: number, charCode: number): number {
  return (Math.imul(hash, 31) + charCode) | 0;
}

for (const name of LSHW_NAMES) {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = nameHash(hash, name.charCodeAt(i));
  let slot = hash & MASK;
  while (NAMES[slot] !== '') slot = (slot + 1) & MASK;
  NAMES[slot] = name;
  HASHES[slot] = hash;
}

/** `source.slice(start, end)`, as lshw's shared string when it is one of lshw's names; `hash` is nameHash over those chars. */
export function lshwName(source: string, start: number, end: number, hash: number): string {
  const length = end - start;
  for (let slot = hash & MASK; ; slot = (slot + 1) & MASK) {
    const name = NAMES[slot]!;
    if (name === '') return source.slice(start, end);
    if (HASHES[slot] === hash && name.length === length && nameAt(source, start, name)) return name;
  }
}

/** True when `name` is written at `at`: a char loop, cheaper here than a startsWith call per tag. */
export function nameAt(source: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (source.charCodeAt(at + i) !== name.charCodeAt(i)) return false;
  return true;
}

// The element and attribute names lshw writes (hwNode::asXML in
// src/core/hw.cc), recognised from the document's characters without copying
// them. A name of lowercase ASCII letters is read as a code: three small
// integers, five bits a letter, six letters in each (30 bits, V8's small-integer
// range), so two different names never share a code. Comparing codes replaces
// comparing strings character by character: a start tag's name against this
// table, an end tag's against its start tag's. A name found here comes back as
// the one shared string (later `name === 'node'` is a pointer check); any other
// name is sliced from the document: the table saves work, it never decides what is accepted.

/** Longer names have no exact code; the scanner compares them as strings. */
export const MAX_CODED_NAME = 18;

/** A name's code; `length` is its number of letters. */
export class NameCode {
  first = 0;
  second = 0;
  third = 0;
  length = 0;
}

/** Reads the lowercase ASCII letters from `start` into `code`; returns where they end (`codes` must end with a non-letter). */
export function readName(codes: Uint16Array, start: number, code: NameCode): number {
  let first = 0,
    second = 0,
    third = 0;
  let p = start;
  let c = codes[p]!;
  while (c >= 97 && c <= 122) {
    const letter = p - start;
    if (letter < 6) first = first * 32 + (c - 96);
    else if (letter < 12) second = second * 32 + (c - 96);
    else if (letter < 18) third = third * 32 + (c - 96);
    c = codes[++p]!;
  }
  code.first = first;
  code.second = second;
  code.third = third;
  code.length = p - start;
  return p;
}

const LSHW_NAMES = [
  'list',
  'node',
  'description',
  'product',
  'vendor',
  'version',
  'date',
  'serial',
  'slot',
  'physid',
  'businfo',
  'logicalname',
  'dev',
  'size',
  'capacity',
  'clock',
  'width',
  'configuration',
  'setting',
  'capabilities',
  'capability',
  'resources',
  'resource',
  'hints',
  'hint',
  'id',
  'class',
  'claimed',
  'disabled',
  'handle',
  'units',
  'value',
  'type',
];

/** 256 slots for 33 names: probes are nearly always one. */
const MASK = 255;
const NAMES: string[] = new Array<string>(MASK + 1).fill('');
const CODES: NameCode[] = [];

function slotOf(code: NameCode): number {
  return (code.first ^ (code.second * 7) ^ (code.third * 13) ^ (code.length << 3)) & MASK;
}

export function sameCode(a: NameCode, b: NameCode): boolean {
  return a.first === b.first && a.second === b.second && a.third === b.third && a.length === b.length;
}

for (const name of LSHW_NAMES) {
  const code = new NameCode();
  readName(
    Uint16Array.from(`${name}\0`, (c) => c.charCodeAt(0)),
    0,
    code,
  );
  let slot = slotOf(code);
  while (NAMES[slot] !== '') slot = (slot + 1) & MASK;
  NAMES[slot] = name;
  CODES[slot] = code;
}

/** `source.slice(start, end)`, as lshw's shared string when it is one of lshw's names; `code` is that slice's code. */
export function lshwName(source: string, start: number, end: number, code: NameCode): string {
  if (code.length > MAX_CODED_NAME) return source.slice(start, end);
  for (let slot = slotOf(code); ; slot = (slot + 1) & MASK) {
    const name = NAMES[slot]!;
    if (name === '') return source.slice(start, end);
    if (sameCode(CODES[slot]!, code)) return name;
  }
}

// The element and attribute names lshw writes (hwNode::asXML in
// src/core/hw.cc), recognised from the document's characters without copying
// them. A name of lowercase ASCII letters is read as two numbers, five bits a
// letter, ten letters in each (50 bits: exact in a double, so two different
// names never give the same pair). Comparing those numbers replaces comparing
// strings character by character: the start tag's name against this table, an
// end tag's against its start tag's. A name found here comes back as the one
// shared string (later `name === 'node'` is a pointer check); any other name is
// sliced as before: the table saves work, it never decides what is accepted.

/** Letters held exactly by one number of a name's code. */
const LETTERS_PER_NUMBER = 10;
/** Longer names have no exact code; the scanner compares them as strings. */
export const MAX_CODED_NAME = 2 * LETTERS_PER_NUMBER;

/** A name's code, built one letter at a time by `addLetter`; `length` letters so far. */
export class NameCode {
  low = 0;
  high = 0;
  length = 0;

  reset(): void {
    this.low = 0;
    this.high = 0;
    this.length = 0;
  }

  /** `c` is a lowercase ASCII letter's char code. */
  addLetter(c: number): void {
    if (this.length < LETTERS_PER_NUMBER) this.low = this.low * 32 + (c - 96);
    else this.high = this.high * 32 + (c - 96);
    this.length++;
  }
}

const LSHW_NAMES = [
  'list', 'node', 'description', 'product', 'vendor', 'version', 'date', 'serial', 'slot', 'physid',
  'businfo', 'logicalname', 'dev', 'size', 'capacity', 'clock', 'width', 'configuration', 'setting',
  'capabilities', 'capability', 'resources', 'resource', 'hints', 'hint',
  'id', 'class', 'claimed', 'disabled', 'handle', 'units', 'value', 'type',
];

/** 256 slots for 33 names: probes are nearly always one. */
const MASK = 255;
const NAMES: string[] = new Array<string>(MASK + 1).fill('');
const LOWS = new Float64Array(MASK + 1);
const HIGHS = new Float64Array(MASK + 1);

function slotOf(code: NameCode): number {
  return (code.low ^ (code.high * 7) ^ (code.length << 3)) & MASK;
}

const building = new NameCode();
for (const name of LSHW_NAMES) {
  building.reset();
  for (let i = 0; i < name.length; i++) building.addLetter(name.charCodeAt(i));
  let slot = slotOf(building);
  while (NAMES[slot] !== '') slot = (slot + 1) & MASK;
  NAMES[slot] = name;
  LOWS[slot] = building.low;
  HIGHS[slot] = building.high;
}

/** `source.slice(start, end)`, as lshw's shared string when it is one of lshw's names; `code` is that slice's code. */
export function lshwName(source: string, start: number, end: number, code: NameCode): string {
  if (code.length > MAX_CODED_NAME) return source.slice(start, end);
  for (let slot = slotOf(code); ; slot = (slot + 1) & MASK) {
    const name = NAMES[slot]!;
    if (name === '') return source.slice(start, end);
    if (LOWS[slot] === code.low && HIGHS[slot] === code.high && name.length === code.length) return name;
  }
}

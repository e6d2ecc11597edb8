// One start tag's attributes as the lshw scanner (lshw-xml-scanner.ts) found them.

import type { XmlText } from './xml-text.js';

/**
 * One start tag's attributes, kept as positions in the document: a value is
 * sliced and decoded only when the reader asks for it, so the handle="…",
 * type="…" and value="…" of the hundreds of <resource> tags cost no string.
 */
export class TagAttributes {
  count = 0;
  readonly names: string[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  constructor(readonly text: XmlText) {}

  /** The decoded value of attribute `name`, undefined when the tag has none. */
  value(name: string): string | undefined {
    for (let i = 0; i < this.count; i++) {
      if (this.names[i] === name) return this.text.slice(this.starts[i]!, this.ends[i]!);
    }
    return undefined;
  }

  has(name: string): boolean {
    for (let i = 0; i < this.count; i++) if (this.names[i] === name) return true;
    return false;
  }

  add(name: string, start: number, end: number): void {
    this.names[this.count] = name;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

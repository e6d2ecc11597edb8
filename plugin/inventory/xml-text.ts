// The lshw document's text, sliced with its escapes decoded. XML's five
// predefined entities (XML 1.0 §4.6) and character references (§4.1) are
// decoded; lshw's escape() emits &amp; &lt; &gt; &quot;. Nothing else is ever
// expanded: an undeclared "&name;" stays literal text, as the previous reader
// (fast-xml-parser with entity processing off) left it.

const ESCAPE = /&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlEscapes(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ESCAPE, (_all, name: string) => {
    if (name[0] !== '#') return NAMED[name] ?? '';
    const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
  });
}

/**
 * Every "&" of the document is found once up front (a server's lshw output has
 * a handful, from &quot; in BIOS capability names), so the thousands of values
 * and texts that hold none are sliced without searching each for one.
 */
export class XmlText {
  /** Positions of every "&", then the document's length as a sentinel. */
  private readonly ampersands: number[] = [];
  /** Index in `ampersands` of the first at or after the last slice's start: slices come nearly in document order. */
  private next = 0;

  constructor(readonly source: string) {
    for (let at = source.indexOf('&'); at >= 0; at = source.indexOf('&', at + 1)) this.ampersands.push(at);
    this.ampersands.push(source.length);
  }

  /** `source.slice(start, end)` with its escapes decoded. */
  slice(start: number, end: number): string {
    const { ampersands } = this;
    let k = this.next;
    while (ampersands[k]! < start) k++;
    while (k > 0 && ampersands[k - 1]! >= start) k--;
    this.next = k;
    const raw = this.source.slice(start, end);
    return ampersands[k]! < end ? decodeXmlEscapes(raw) : raw;
  }
}

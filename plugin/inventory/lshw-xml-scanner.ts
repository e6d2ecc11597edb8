// A strict reader for the XML subset `lshw -xml` writes (lshw's hwNode::asXML
// in src/core/hw.cc, escape() in src/core/osutils.cc): the <?xml?> declaration,
// comments, elements with lowercase ASCII names, attributes in double quotes,
// text with &lt; &gt; &amp; &quot; escapes. Anything else XML allows (DTDs,
// CDATA, processing instructions, single-quoted values) lshw never writes, so
// it is refused rather than interpreted: no entity is ever declared or
// expanded. It checks well-formedness (XML 1.0 §2.1, §3: matching tags, one
// root, unique attributes) in the same single pass that reports the events.

import { lshwName, MAX_CODED_NAME, NameCode, readName, sameCode } from './lshw-xml-names.js';
import { charCodesOf } from './xml-char-codes.js';
import { TagAttributes } from './xml-tag-attributes.js';
import { XmlText } from './xml-text.js';

/** What the reader found wrong, and where; read-xml.ts words it for the operator. */
export class LshwXmlFault extends Error {
  constructor(
    readonly kind: 'malformed' | 'outside-lshw' | 'declaration' | 'not-lshw',
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${detail} (line ${line}, column ${column})`);
  }
}

export interface LshwXmlEvents {
  /** `attributes` is valid only during this call: the scanner reuses it for the next tag. */
  open(name: string, attributes: TagAttributes): void;
  /** Text between two tags: `text.slice(start, end)` reads it, escapes decoded. */
  text(text: XmlText, start: number, end: number): void;
  close(): void;
}

/** lshw nests about a dozen levels; fast-xml-parser's default limit, kept from the previous reader. */
export const MAX_NESTING = 100;

// Char codes the scanner branches on.
const GT = 62,
  SLASH = 47,
  BANG = 33,
  QUESTION = 63,
  EQUALS = 61,
  DQUOTE = 34,
  SQUOTE = 39;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

/** The ASCII part of XML's NameChar (§2.3): read only to name what is refused. */
function isNameChar(c: number): boolean {
  return isLower(c) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46;
}

/** Scans the whole document once, calling `events` in document order; throws LshwXmlFault. */
export function scanLshwXml(source: string, events: LshwXmlEvents): void {
  new Scan(source, events).run();
}

class Scan {
  /** The open elements, outermost first, indexed by depth (arrays reused, never popped). */
  readonly open: string[] = [];
  /** Their names' codes (lshw-xml-names.ts), to match each end tag without comparing strings. */
  readonly openCodes: NameCode[] = [];
  depth = 0;
  readonly code = new NameCode();
  readonly text: XmlText;
  /** The source's char codes (xml-char-codes.ts): read these, search and slice `source`. */
  readonly codes: Uint16Array;
  readonly attributes: TagAttributes;
  /**
   * The first "<" after the tag openTag last read (-1: none). openTag needs it
   * to prove no attribute value holds a "<", and it is where the next tag
   * starts, so the main loop takes it instead of searching the same text again.
   */
  nextLt = -1;

  constructor(
    readonly source: string,
    readonly events: LshwXmlEvents,
  ) {
    this.text = new XmlText(source);
    this.codes = charCodesOf(source);
    this.attributes = new TagAttributes(this.text);
  }

  run(): void {
    const { source, codes, open, events } = this;
    let pos = 0;
    let rootDone = false;
    if (source.startsWith('<?xml', 0) && isSpace(codes[5]!)) {
      const end = source.indexOf('?>', 5);
      if (end < 0) throw this.fault('malformed', 'the <?xml ?> declaration is never closed', 0);
      pos = end + 2;
    }
    let lt = source.indexOf('<', pos);
    for (;;) {
      const textEnd = lt < 0 ? source.length : lt;
      if (textEnd > pos) {
        if (this.depth > 0) events.text(this.text, pos, textEnd);
        else if (source.slice(pos, textEnd).trim() !== '') throw this.fault('malformed', 'text outside the root element', pos);
      }
      if (lt < 0) break;
      const next = codes[lt + 1]!;
      if (next === SLASH) {
        pos = this.closeTag(lt);
        events.close();
        if (this.depth === 0) rootDone = true;
      } else if (next === BANG) {
        pos = this.skipComment(lt);
      } else if (next === QUESTION) {
        throw this.fault(
          'outside-lshw',
          lt === 0 ? 'an <?xml ?> declaration without its version' : 'a processing instruction other than the leading <?xml ?> declaration',
          lt,
        );
      } else {
        if (rootDone) throw this.fault('malformed', 'a second root element (an XML document has exactly one)', lt);
        if (this.depth >= MAX_NESTING) throw this.fault('outside-lshw', 'Maximum nested tags exceeded', lt);
        pos = this.openTag(lt);
        lt = this.nextLt;
        continue;
      }
      lt = source.indexOf('<', pos);
    }
    if (this.depth > 0)
      throw this.fault('malformed', `the document ends inside <${open[this.depth - 1]}> (${this.depth} elements left open): it was cut short`, source.length);
    if (!rootDone) throw this.fault('malformed', 'no root element', source.length);
  }

  fault(kind: LshwXmlFault['kind'], detail: string, at: number): LshwXmlFault {
    const before = this.source.slice(0, at);
    const lineStart = before.lastIndexOf('\n') + 1;
    return new LshwXmlFault(kind, detail, before.split('\n').length, at - lineStart + 1);
  }

  closeTag(lt: number): number {
    const { source, codes, code, depth } = this;
    const expected = depth === 0 ? undefined : this.open[depth - 1];
    // Fast path: the end tag lshw writes, </name> for the innermost open element, matched by its code.
    const end = readName(codes, lt + 2, code);
    if (expected !== undefined && codes[end]! === GT && code.length <= MAX_CODED_NAME && sameCode(code, this.openCodes[depth - 1]!)) {
      this.depth--;
      return end + 1;
    }
    const name = source.slice(lt + 2, end);
    let p = end;
    while (isSpace(codes[p]!)) p++;
    if (p >= source.length) throw this.fault('malformed', `the document ends inside the end tag </${name}: it was cut short`, lt);
    if (codes[p]! !== GT || name === '') throw this.fault('malformed', 'a broken end tag', lt);
    if (expected === undefined) throw this.fault('malformed', `</${name}> closes nothing`, lt);
    if (expected !== name) throw this.fault('malformed', `</${name}> where </${expected}> was expected`, lt);
    this.depth--;
    return p + 1;
  }

  skipComment(lt: number): number {
    const { source } = this;
    if (!source.startsWith('<!--', lt)) {
      const declaration = /^<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i.exec(source.slice(lt, lt + 40));
      if (declaration) throw this.fault('declaration', declaration[1]!.toUpperCase(), lt);
      const what = source.startsWith('<![CDATA[', lt) ? 'a CDATA section' : 'a <! construct other than a comment';
      throw this.fault('outside-lshw', what, lt);
    }
    const end = source.indexOf('-->', lt + 4);
    if (end < 0) throw this.fault('malformed', 'a comment that is never closed: the document was cut short', lt);
    // XML 1.0 §2.5: "--" may not occur inside a comment (lshw's escapecomment() removes it).
    const dashes = source.indexOf('--', lt + 4);
    if (dashes < end) throw this.fault('malformed', '"--" inside a comment', dashes);
    return end + 3;
  }

  /** Reads `<name attr="value" …>` or `…/>` from `lt`; sets nextLt; returns the position after the tag. */
  openTag(lt: number): number {
    const { source, codes, events, attributes, code, depth } = this;
    let p = readName(codes, lt + 1, code);
    let c = codes[p]!;
    if (p === lt + 1 || p >= source.length || isNameChar(c)) throw this.refusedName(lt);
    const name = lshwName(source, lt + 1, p, code);
    // lshw's root is <node>, or <list> with -list / several roots (hw.cc asXML).
    if (depth === 0 && name !== 'node' && name !== 'list') throw this.fault('not-lshw', name, lt);
    this.nextLt = source.indexOf('<', p);
    attributes.count = 0;
    for (;;) {
      const spaced = isSpace(c);
      while (isSpace(c)) c = codes[++p]!;
      if (c === GT) {
        this.open[depth] = name;
        const open = (this.openCodes[depth] ??= new NameCode());
        open.first = code.first;
        open.second = code.second;
        open.third = code.third;
        open.length = code.length;
        this.depth = depth + 1;
        events.open(name, attributes);
        return p + 1;
      }
      if (c === SLASH && codes[p + 1]! === GT) {
        events.open(name, attributes);
        events.close();
        return p + 2;
      }
      if (p >= source.length) throw this.fault('malformed', `the document ends inside the tag <${name}: it was cut short`, lt);
      if (!spaced) throw this.fault('malformed', `no space before an attribute of <${name}>`, p);
      p = this.readAttribute(p, name);
      c = codes[p]!;
    }
  }

  /**
   * The fault for a tag whose name is empty, cut short or not lowercase ASCII; the name is read
   * again with every ASCII name character, so the message quotes what was written.
   */
  refusedName(lt: number): LshwXmlFault {
    const { source, codes } = this;
    let end = lt + 1;
    while (isNameChar(codes[end]!)) end++;
    const name = source.slice(lt + 1, end);
    if (end >= source.length) return this.fault('malformed', `the document ends inside a tag${name ? ` <${name}` : ''}: it was cut short`, lt);
    if (name === '') return this.fault('malformed', 'a "<" that starts no tag (text must write it &lt;)', lt);
    if (this.depth === 0 && name !== 'node' && name !== 'list') return this.fault('not-lshw', name, lt);
    return this.fault('outside-lshw', `element <${name}>, whose name is not lowercase ASCII letters as all lshw's are`, lt);
  }

  readAttribute(start: number, element: string): number {
    const { source, codes, attributes } = this;
    let p = readName(codes, start, this.code);
    let c = codes[p]!;
    if (p === start) throw this.fault('outside-lshw', `an attribute of <${element}> whose name is not lowercase ASCII letters, as lshw writes them`, start);
    const name = lshwName(source, start, p, this.code);
    while (isSpace(c)) c = codes[++p]!;
    if (c !== EQUALS) throw this.fault('malformed', `attribute ${name} of <${element}> has no value`, p);
    c = codes[++p]!;
    while (isSpace(c)) c = codes[++p]!;
    if (c === SQUOTE) throw this.fault('outside-lshw', `attribute ${name} of <${element}> in single quotes (lshw writes double quotes)`, p);
    if (c !== DQUOTE) throw this.fault('malformed', `attribute ${name} of <${element}> has no quoted value`, p);
    const close = source.indexOf('"', p + 1);
    if (close < 0) throw this.fault('malformed', `the document ends inside attribute ${name} of <${element}>: it was cut short`, p);
    // Everything between the tag's name and this value was read as names, spaces and earlier values, none a "<".
    if (this.nextLt >= 0 && this.nextLt < close) throw this.fault('malformed', `a "<" inside attribute ${name} of <${element}>`, this.nextLt);
    if (attributes.has(name)) throw this.fault('malformed', `attribute ${name} repeated in <${element}>`, start);
    attributes.add(name, p + 1, close);
    return close + 1;
  }
}

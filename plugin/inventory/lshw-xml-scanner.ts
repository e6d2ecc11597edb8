// A strict reader for the XML subset `lshw -xml` writes (lshw's hwNode::asXML
// in src/core/hw.cc, escape() in src/core/osutils.cc): the <?xml?> declaration,
// comments, elements with lowercase ASCII names, attributes in double quotes,
// text with &lt; &gt; &amp; &quot; escapes. Anything else XML allows (DTDs,
// CDATA, processing instructions, single-quoted values) lshw never writes, so
// it is refused rather than interpreted: no entity is ever declared or
// expanded. It checks well-formedness (XML 1.0 §2.1, §3: matching tags, one
// root, unique attributes) in the same single pass that reports the events.

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
  /** `attributes` alternates names and decoded values. */
  open(name: string, attributes: string[]): void;
  /** Raw text between two tags; `decodeXmlEscapes` it before use. */
  text(source: string, start: number, end: number): void;
  close(): void;
}

/** lshw nests about a dozen levels; fast-xml-parser's default limit, kept from the previous reader. */
export const MAX_NESTING = 100;

// Char codes the scanner branches on.
const LT = 60, GT = 62, SLASH = 47, BANG = 33, QUESTION = 63, EQUALS = 61, DQUOTE = 34, SQUOTE = 39;

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
  const open: string[] = [];
  const fault = (kind: LshwXmlFault['kind'], detail: string, at: number): LshwXmlFault => {
    const before = source.slice(0, at);
    const lineStart = before.lastIndexOf('\n') + 1;
    return new LshwXmlFault(kind, detail, before.split('\n').length, at - lineStart + 1);
  };
  let pos = 0;
  let rootDone = false;
  if (source.startsWith('<?xml', 0) && isSpace(source.charCodeAt(5))) {
    const end = source.indexOf('?>', 5);
    if (end < 0) throw fault('malformed', 'the <?xml ?> declaration is never closed', 0);
    pos = end + 2;
  }
  for (;;) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > pos) {
      if (open.length > 0) events.text(source, pos, textEnd);
      else if (source.slice(pos, textEnd).trim() !== '') throw fault('malformed', 'text outside the root element', pos);
    }
    if (lt < 0) break;
    const next = source.charCodeAt(lt + 1);
    if (next === SLASH) {
      pos = closeTag(source, lt, open, fault);
      events.close();
      if (open.length === 0) rootDone = true;
    } else if (next === BANG) {
      pos = skipComment(source, lt, fault);
    } else if (next === QUESTION) {
      throw fault('outside-lshw', lt === 0 ? 'an <?xml ?> declaration without its version' : 'a processing instruction other than the leading <?xml ?> declaration', lt);
    } else {
      if (rootDone) throw fault('malformed', 'a second root element (an XML document has exactly one)', lt);
      if (open.length >= MAX_NESTING) throw fault('outside-lshw', 'Maximum nested tags exceeded', lt);
      pos = openTag(source, lt, open, events, fault);
    }
  }
  if (open.length > 0) throw fault('malformed', `the document ends inside <${open[open.length - 1]}> (${open.length} elements left open): it was cut short`, source.length);
  if (!rootDone) throw fault('malformed', 'no root element', source.length);
}

type Fault = (kind: LshwXmlFault['kind'], detail: string, at: number) => LshwXmlFault;

function nameEnd(source: string, start: number): number {
  let end = start;
  while (isLower(source.charCodeAt(end))) end++;
  return end;
}

function closeTag(source: string, lt: number, open: string[], fault: Fault): number {
  const expected = open[open.length - 1];
  // Fast path: the end tag lshw writes, </name> for the innermost open element, compared in place.
  if (expected !== undefined && source.charCodeAt(lt + 2 + expected.length) === GT && sameName(source, lt + 2, expected)) {
    open.pop();
    return lt + 3 + expected.length;
  }
  const end = nameEnd(source, lt + 2);
  const name = source.slice(lt + 2, end);
  let p = end;
  while (isSpace(source.charCodeAt(p))) p++;
  if (p >= source.length) throw fault('malformed', `the document ends inside the end tag </${name}: it was cut short`, lt);
  if (source.charCodeAt(p) !== GT || name === '') throw fault('malformed', 'a broken end tag', lt);
  if (expected === undefined) throw fault('malformed', `</${name}> closes nothing`, lt);
  if (expected !== name) throw fault('malformed', `</${name}> where </${expected}> was expected`, lt);
  open.pop();
  return p + 1;
}

function sameName(source: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (source.charCodeAt(at + i) !== name.charCodeAt(i)) return false;
  return true;
}

function skipComment(source: string, lt: number, fault: Fault): number {
  if (!source.startsWith('<!--', lt)) {
    const declaration = /^<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i.exec(source.slice(lt, lt + 40));
    if (declaration) throw fault('declaration', declaration[1]!.toUpperCase(), lt);
    const what = source.startsWith('<![CDATA[', lt) ? 'a CDATA section' : 'a <! construct other than a comment';
    throw fault('outside-lshw', what, lt);
  }
  const end = source.indexOf('-->', lt + 4);
  if (end < 0) throw fault('malformed', 'a comment that is never closed: the document was cut short', lt);
  // XML 1.0 §2.5: "--" may not occur inside a comment (lshw's escapecomment() removes it).
  const dashes = source.indexOf('--', lt + 4);
  if (dashes < end) throw fault('malformed', '"--" inside a comment', dashes);
  return end + 3;
}

function openTag(source: string, lt: number, open: string[], events: LshwXmlEvents, fault: Fault): number {
  let end = nameEnd(source, lt + 1);
  const lshwName = !isNameChar(source.charCodeAt(end));
  while (isNameChar(source.charCodeAt(end))) end++;
  const name = source.slice(lt + 1, end);
  if (end >= source.length) throw fault('malformed', `the document ends inside a tag${name ? ` <${name}` : ''}: it was cut short`, lt);
  if (name === '') throw fault('malformed', 'a "<" that starts no tag (text must write it &lt;)', lt);
  // lshw's root is <node>, or <list> with -list / several roots (hw.cc asXML).
  if (open.length === 0 && name !== 'node' && name !== 'list') throw fault('not-lshw', name, lt);
  if (!lshwName) throw fault('outside-lshw', `element <${name}>, whose name is not lowercase ASCII letters as all lshw's are`, lt);
  const attributes: string[] = [];
  let p = end;
  for (;;) {
    const spaced = isSpace(source.charCodeAt(p));
    while (isSpace(source.charCodeAt(p))) p++;
    const c = source.charCodeAt(p);
    if (c === GT) {
      open.push(name);
      events.open(name, attributes);
      return p + 1;
    }
    if (c === SLASH && source.charCodeAt(p + 1) === GT) {
      events.open(name, attributes);
      events.close();
      return p + 2;
    }
    if (p >= source.length) throw fault('malformed', `the document ends inside the tag <${name}: it was cut short`, lt);
    if (!spaced) throw fault('malformed', `no space before an attribute of <${name}>`, p);
    p = readAttribute(source, p, name, attributes, fault);
  }
}

function readAttribute(source: string, start: number, element: string, attributes: string[], fault: Fault): number {
  const end = nameEnd(source, start);
  const name = source.slice(start, end);
  if (name === '') throw fault('outside-lshw', `an attribute of <${element}> whose name is not lowercase ASCII letters, as lshw writes them`, start);
  let p = end;
  while (isSpace(source.charCodeAt(p))) p++;
  if (source.charCodeAt(p) !== EQUALS) throw fault('malformed', `attribute ${name} of <${element}> has no value`, p);
  p++;
  while (isSpace(source.charCodeAt(p))) p++;
  const quote = source.charCodeAt(p);
  if (quote === SQUOTE) throw fault('outside-lshw', `attribute ${name} of <${element}> in single quotes (lshw writes double quotes)`, p);
  if (quote !== DQUOTE) throw fault('malformed', `attribute ${name} of <${element}> has no quoted value`, p);
  const close = source.indexOf('"', p + 1);
  if (close < 0) throw fault('malformed', `the document ends inside attribute ${name} of <${element}>: it was cut short`, p);
  const raw = source.slice(p + 1, close);
  const lt = raw.indexOf('<');
  if (lt >= 0) throw fault('malformed', `a "<" inside attribute ${name} of <${element}>`, p + 1 + lt);
  for (let i = 0; i < attributes.length; i += 2) {
    if (attributes[i] === name) throw fault('malformed', `attribute ${name} repeated in <${element}>`, start);
  }
  attributes.push(name, decodeXmlEscapes(raw));
  return close + 1;
}

// XML's five predefined entities (XML 1.0 §4.6) and character references
// (§4.1); lshw's escape() emits &amp; &lt; &gt; &quot;. Nothing else is ever
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

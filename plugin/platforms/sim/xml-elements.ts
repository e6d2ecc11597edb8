// A small reader for the XML SIM's mx commands print (mxnode -lf, mxtool -lf):
// elements, attributes in either quotes, text, comments, the declaration and
// a DOCTYPE without an internal subset. An internal subset, CDATA or anything
// else is refused rather than guessed at; entities other than XML's own
// escapes are never expanded (decodeXmlEscapes).

import { DployError } from '../../errors.js';
import { decodeXmlEscapes } from '../../inventory/xml-text.js';

export interface XmlElement {
  name: string;
  attributes: ReadonlyMap<string, string>;
  children: XmlElement[];
  text: string;
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^[>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)|(<)/g;
const ATTRIBUTE = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g;

/** The document's root element; throws DPLOY_ERR_SIM_UNAVAILABLE when the text is not XML this reader takes. */
export function readXmlElements(text: string, what: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const refuse = (why: string): never => {
    throw new DployError('DPLOY_ERR_SIM_UNAVAILABLE', `${what} printed XML dploy cannot read: ${why}`);
  };
  for (const m of text.matchAll(TOKEN)) {
    const [whole, closing, name, attrs, selfClosing, chars, stray] = m;
    if (stray !== undefined) refuse(`unexpected "<" at offset ${m.index}`);
    if (chars !== undefined) {
      if (stack.length > 0) stack[stack.length - 1]!.text += decodeXmlEscapes(chars);
      else if (chars.trim()) refuse('text outside the root element');
      continue;
    }
    if (name === undefined) continue; // comment, declaration, DOCTYPE
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) refuse(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      continue;
    }
    const attributes = new Map<string, string>();
    for (const a of (attrs ?? '').matchAll(ATTRIBUTE)) attributes.set(a[1]!, decodeXmlEscapes(a[2] ?? a[3] ?? ''));
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
    else if (root) refuse('a second root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) refuse(`<${stack[stack.length - 1]!.name}> is never closed`);
  return root ?? refuse('no element');
}

/** Text for an XML attribute value or element content. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

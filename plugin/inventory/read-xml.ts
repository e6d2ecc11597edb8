// `lshw -xml` into LshwNode trees, built straight from the events of dploy's
// own strict reader (lshw-xml-scanner.ts) in one pass. The document comes from
// a machine on the network, so the reader refuses DTDs (lshw never writes one;
// a DOCTYPE can only be an entity bomb or an external-entity probe), expands no
// entity, bounds nesting at 100 and checks well-formedness. Element and
// attribute names only ever select a branch here, never become object keys,
// so an element or setting named "__proto__" is inert.
// Why an own reader and not a library (fast-xml-parser): docs/DEPENDENCIES.md.

import { DployError } from '../errors.js';
import { cleanText, emptyNode, parseCount } from './lshw-node.js';
import type { LshwNode, Measure } from './lshw-node.js';
import { LshwXmlFault, scanLshwXml } from './lshw-xml-scanner.js';
import type { LshwXmlEvents } from './lshw-xml-scanner.js';
import type { TagAttributes } from './xml-tag-attributes.js';

/** Elements under <node> whose text is read, and the LshwNode field each fills. */
type Field =
  | 'description'
  | 'product'
  | 'vendor'
  | 'version'
  | 'date'
  | 'serial'
  | 'slot'
  | 'physid'
  | 'businfo'
  | 'logicalname'
  | 'size'
  | 'capacity'
  | 'clock'
  | 'width';
const FIELDS = new Set<string>([
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
  'size',
  'capacity',
  'clock',
  'width',
]);

/** What an open element is to the tree; anything else lshw writes (<resources>, <hints> …) is OTHER and read past. */
const OTHER = 0,
  DEVICE = 1,
  FIELD = 2,
  CONFIGURATION = 3,
  CAPABILITIES = 4,
  LIST = 5;

/** Parses `lshw -xml` output; returns the root node(s) in document order. */
export function readLshwXml(text: string): LshwNode[] {
  const roots: LshwNode[] = [];
  try {
    scanLshwXml(text, treeBuilder(roots));
  } catch (err) {
    if (err instanceof LshwXmlFault) throw faultError(err);
    throw err;
  }
  if (roots.length === 0) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      'the XML document has no lshw <node> (nor a <list> of nodes) at its root, so it is not lshw output; send the output of "lshw -xml"',
    );
  }
  return roots;
}

function faultError(fault: LshwXmlFault): DployError {
  const where = `line ${fault.line}, column ${fault.column}`;
  if (fault.kind === 'not-lshw') {
    return new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      `the XML document's root element is <${fault.detail}>, not lshw's <node> (nor a <list> of nodes), so it is not lshw output; send the output of "lshw -xml"`,
      { cause: fault },
    );
  }
  const message =
    fault.kind === 'declaration'
      ? `the XML inventory contains a <!${fault.detail}> declaration (${where}), which lshw never writes and dploy refuses (entity expansion and external entities are attack vectors); send the unmodified output of "lshw -xml"`
      : fault.kind === 'malformed'
        ? `the XML inventory is not well-formed (${where}: ${fault.detail}); the upload was probably cut short or edited — send the complete output of "lshw -xml"`
        : `the XML inventory could not be read (${fault.detail}) at ${where}: lshw never writes that; send the unmodified output of "lshw -xml"`;
  return new DployError('DPLOY_ERR_INVENTORY_INVALID', message, { cause: fault });
}

// The open elements are kept as parallel arrays indexed by depth rather than
// one frame object per element: a server document has ~4,000 elements and at
// most a dozen open at once, so the arrays are filled once and then reused.
function treeBuilder(roots: LshwNode[]): LshwXmlEvents {
  const kinds: number[] = [];
  /** The device node the element is, or whose field, <configuration> or <capabilities> it is. */
  const nodes: Array<LshwNode | undefined> = [];
  const fields: Array<Field | undefined> = [];
  const texts: Array<string | undefined> = [];
  const units: Array<string | undefined> = [];
  let depth = 0;
  return {
    open(name, attributes) {
      const parentKind = depth === 0 ? LIST : kinds[depth - 1]!;
      const parentNode = depth === 0 ? undefined : nodes[depth - 1];
      let kind = OTHER;
      let node: LshwNode | undefined;
      if (name === 'list') {
        kind = LIST;
      } else if (name === 'node' && (parentKind === LIST || parentKind === DEVICE)) {
        kind = DEVICE;
        node = deviceNode(attributes);
        (parentNode ? parentNode.children : roots).push(node);
      } else if (parentKind === DEVICE) {
        if (FIELDS.has(name)) {
          kind = FIELD;
          fields[depth] = name as Field;
          texts[depth] = undefined;
          units[depth] = attributes.value('units');
        } else if (name === 'configuration') kind = CONFIGURATION;
        else if (name === 'capabilities') kind = CAPABILITIES;
        node = kind === OTHER ? undefined : parentNode;
      } else if (parentKind === CONFIGURATION && name === 'setting') {
        addSetting(parentNode!, attributes);
      } else if (parentKind === CAPABILITIES && name === 'capability') {
        addCapability(parentNode!, attributes);
      }
      kinds[depth] = kind;
      nodes[depth] = node;
      depth++;
    },
    text(text, start, end) {
      const at = depth - 1;
      if (kinds[at] !== FIELD) return;
      // Pieces split by a comment are decoded one by one: an escape cannot span markup (XML 1.0 §4.1).
      const before = texts[at];
      texts[at] = before === undefined ? text.slice(start, end) : before + text.slice(start, end);
    },
    close() {
      depth--;
      if (kinds[depth] === FIELD) setField(nodes[depth]!, fields[depth]!, texts[depth], units[depth]);
    },
  };
}

function deviceNode(attributes: TagAttributes): LshwNode {
  const node = emptyNode(cleanText(attributes.value('id')) ?? '', cleanText(attributes.value('class')) ?? '');
  node.claimed = attributes.value('claimed') === 'true';
  node.disabled = attributes.value('disabled') === 'true';
  return node;
}

function addSetting(node: LshwNode, attributes: TagAttributes): void {
  const id = cleanText(attributes.value('id'));
  const value = cleanText(attributes.value('value'));
  if (id !== undefined && value !== undefined) node.configuration.set(id, value);
}

function addCapability(node: LshwNode, attributes: TagAttributes): void {
  const id = cleanText(attributes.value('id'));
  if (id !== undefined) node.capabilities.add(id);
}

/** The first occurrence of a text field wins, as in lshw's own one-per-node output; logical names accumulate. */
function setField(node: LshwNode, field: Field, text: string | undefined, rawUnits: string | undefined): void {
  if (text === undefined) return;
  if (field === 'logicalname') {
    const value = cleanText(text);
    if (value !== undefined) node.logicalNames.push(value);
  } else if (field === 'width') {
    const width = parseCount(text);
    if (width !== undefined && node.width === undefined) node.width = width;
  } else if (field === 'size' || field === 'capacity' || field === 'clock') {
    const value = parseCount(text);
    if (value === undefined) return;
    const units = cleanText(rawUnits);
    setMeasure(node, field, units === undefined ? { value } : { value, units });
  } else {
    const value = cleanText(text);
    if (value !== undefined) setText(node, field, value);
  }
}

// One named store per field rather than node[field]: a store whose key varies
// over ten names is megamorphic in V8 and cost more than all the rest of a field.
function setText(node: LshwNode, field: Exclude<Field, 'logicalname' | 'width' | 'size' | 'capacity' | 'clock'>, value: string): void {
  switch (field) {
    case 'description':
      node.description ??= value;
      break;
    case 'product':
      node.product ??= value;
      break;
    case 'vendor':
      node.vendor ??= value;
      break;
    case 'version':
      node.version ??= value;
      break;
    case 'date':
      node.date ??= value;
      break;
    case 'serial':
      node.serial ??= value;
      break;
    case 'slot':
      node.slot ??= value;
      break;
    case 'physid':
      node.physid ??= value;
      break;
    case 'businfo':
      node.businfo ??= value;
      break;
  }
}

function setMeasure(node: LshwNode, field: 'size' | 'capacity' | 'clock', measure: Measure): void {
  if (field === 'size') node.size ??= measure;
  else if (field === 'capacity') node.capacity ??= measure;
  else node.clock ??= measure;
}

export interface LshwXmlHeader {
  /** lshw's version, e.g. "B.02.17"; empty when the build recorded none (Debian's git snapshots). */
  version?: string;
  /** `uname -m` of the kernel lshw ran on, from the "<!-- Linux … x86_64 -->" line. */
  machine?: string;
}

/** The comments lshw writes before the document (absent from lshw-tests' sanitized files). */
export function lshwXmlHeader(text: string): LshwXmlHeader {
  const head = text.slice(0, 1024);
  const header: LshwXmlHeader = {};
  const version = /<!--\s*generated by lshw-([^\s]*)\s*-->/.exec(head);
  if (version) header.version = version[1]!;
  const uname = /<!--\s*Linux\s[^>]*\s([a-z0-9_]+)\s*-->/.exec(head);
  if (uname) header.machine = uname[1]!;
  return header;
}

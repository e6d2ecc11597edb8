// `lshw -xml` into LshwNode trees, built straight from the events of dploy's
// own strict reader (lshw-xml-scanner.ts) in one pass. The document comes from
// a machine on the network, so the reader refuses DTDs (lshw never writes one;
// a DOCTYPE can only be an entity bomb or an external-entity probe), expands no
// entity, bounds nesting at 100 and checks well-formedness. Element and
// attribute names only ever select a branch here, never become object keys,
// so an element or setting named "__proto__" is inert.
// fast-xml-parser was replaced here for speed: docs/DEPENDENCIES.md.

import { DployError } from '../errors.js';
import { cleanText, emptyNode, parseCount } from './lshw-node.js';
import type { LshwNode, Measure } from './lshw-node.js';
import { decodeXmlEscapes, LshwXmlFault, scanLshwXml } from './lshw-xml-scanner.js';
import type { LshwXmlEvents } from './lshw-xml-scanner.js';

/** Elements under <node> whose text is read, and the LshwNode field each fills. */
type Field = 'description' | 'product' | 'vendor' | 'version' | 'date' | 'serial' | 'slot' | 'physid' | 'businfo' | 'logicalname' | 'size' | 'capacity' | 'clock' | 'width';
const FIELDS = new Set<string>(['description', 'product', 'vendor', 'version', 'date', 'serial', 'slot', 'physid', 'businfo', 'logicalname', 'size', 'capacity', 'clock', 'width']);

interface Frame {
  name: string;
  /** The device node this element is, or whose <configuration>/<capabilities> it is. */
  node: LshwNode | undefined;
  /** Set for a field element of a device node: its text, collected as it comes. */
  field: Field | undefined;
  text: string | undefined;
  units: string | undefined;
}

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
    throw new DployError('DPLOY_ERR_INVENTORY_INVALID', 'the XML document has no lshw <node> (nor a <list> of nodes) at its root, so it is not lshw output; send the output of "lshw -xml"');
  }
  return roots;
}

function faultError(fault: LshwXmlFault): DployError {
  const where = `line ${fault.line}, column ${fault.column}`;
  if (fault.kind === 'not-lshw') {
    return new DployError('DPLOY_ERR_INVENTORY_INVALID', `the XML document's root element is <${fault.detail}>, not lshw's <node> (nor a <list> of nodes), so it is not lshw output; send the output of "lshw -xml"`, { cause: fault });
  }
  const message = fault.kind === 'declaration'
    ? `the XML inventory contains a <!${fault.detail}> declaration (${where}), which lshw never writes and dploy refuses (entity expansion and external entities are attack vectors); send the unmodified output of "lshw -xml"`
    : fault.kind === 'malformed'
      ? `the XML inventory is not well-formed (${where}: ${fault.detail}); the upload was probably cut short or edited — send the complete output of "lshw -xml"`
      : `the XML inventory could not be read (${fault.detail}) at ${where}: lshw never writes that; send the unmodified output of "lshw -xml"`;
  return new DployError('DPLOY_ERR_INVENTORY_INVALID', message, { cause: fault });
}

function treeBuilder(roots: LshwNode[]): LshwXmlEvents {
  const stack: Frame[] = [];
  return {
    open(name, attributes) {
      const parent = stack[stack.length - 1];
      // Every frame gets all its properties at once: one object shape keeps V8's property access fast.
      const frame: Frame = { name, node: undefined, field: undefined, text: undefined, units: undefined };
      const owner = parent?.name === 'node' ? parent.node : undefined;
      if (name === 'node' && (parent === undefined || parent.name === 'list' || owner)) {
        frame.node = deviceNode(attributes);
        (owner ? owner.children : roots).push(frame.node);
      } else if (owner) {
        if (FIELDS.has(name)) {
          frame.field = name as Field;
          frame.node = owner;
          frame.units = attributeOf(attributes, 'units');
        } else if (name === 'configuration' || name === 'capabilities') {
          frame.node = owner;
        }
      } else if (parent?.node) {
        if (name === 'setting' && parent.name === 'configuration') addSetting(parent.node, attributes);
        else if (name === 'capability' && parent.name === 'capabilities') addCapability(parent.node, attributes);
      }
      stack.push(frame);
    },
    text(source, start, end) {
      const frame = stack[stack.length - 1];
      if (frame?.field) frame.text = frame.text === undefined ? source.slice(start, end) : frame.text + source.slice(start, end);
    },
    close() {
      const frame = stack.pop();
      if (frame?.field && frame.node) setField(frame.node, frame.field, frame.text, frame.units);
    },
  };
}

function attributeOf(attributes: string[], name: string): string | undefined {
  for (let i = 0; i < attributes.length; i += 2) if (attributes[i] === name) return attributes[i + 1];
  return undefined;
}

function deviceNode(attributes: string[]): LshwNode {
  const node = emptyNode(cleanText(attributeOf(attributes, 'id')) ?? '', cleanText(attributeOf(attributes, 'class')) ?? '');
  node.claimed = attributeOf(attributes, 'claimed') === 'true';
  node.disabled = attributeOf(attributes, 'disabled') === 'true';
  return node;
}

function addSetting(node: LshwNode, attributes: string[]): void {
  const id = cleanText(attributeOf(attributes, 'id'));
  const value = cleanText(attributeOf(attributes, 'value'));
  if (id !== undefined && value !== undefined) node.configuration.set(id, value);
}

function addCapability(node: LshwNode, attributes: string[]): void {
  const id = cleanText(attributeOf(attributes, 'id'));
  if (id !== undefined) node.capabilities.add(id);
}

/** The first occurrence of a text field wins, as in lshw's own one-per-node output; logical names accumulate. */
function setField(node: LshwNode, field: Field, raw: string | undefined, rawUnits: string | undefined): void {
  if (raw === undefined) return;
  const text = decodeXmlEscapes(raw);
  if (field === 'logicalname') {
    const value = cleanText(text);
    if (value !== undefined) node.logicalNames.push(value);
  } else if (field === 'width') {
    const width = parseCount(text);
    if (width !== undefined && node.width === undefined) node.width = width;
  } else if (field === 'size' || field === 'capacity' || field === 'clock') {
    const value = parseCount(text);
    if (value === undefined || node[field] !== undefined) return;
    const units = cleanText(rawUnits);
    const measure: Measure = units === undefined ? { value } : { value, units };
    node[field] = measure;
  } else if (node[field] === undefined) {
    const value = cleanText(text);
    if (value !== undefined) node[field] = value;
  }
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

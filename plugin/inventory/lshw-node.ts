// One lshw device node, the same whether it came from `lshw -xml` or
// `lshw -json`: both are dumps of lshw's hwNode (src/core/hw.cc asXML/asJSON).
// Keys that came from the document live in Maps and Sets, never as object
// properties, so an id="__proto__" is data and nothing else.

export interface Measure {
  value: number;
  /** The document's `units` attribute; undefined when lshw wrote none. */
  units?: string;
}

export interface LshwNode {
  id: string;
  class: string;
  claimed: boolean;
  disabled: boolean;
  description?: string;
  product?: string;
  vendor?: string;
  version?: string;
  /** Firmware release date as lshw writes it (DMI type 0), e.g. "05/23/2018". */
  date?: string;
  serial?: string;
  slot?: string;
  physid?: string;
  businfo?: string;
  /** Device names and mount points mixed, in document order (lshw quirk). */
  logicalNames: string[];
  size?: Measure;
  capacity?: Measure;
  clock?: Measure;
  /** Bits (lshw always writes width in bits). */
  width?: number;
  configuration: Map<string, string>;
  capabilities: Set<string>;
  children: LshwNode[];
}

/** Longest text kept from one field: DMI strings are at most 64 bytes, PCI names ~100. */
export const MAX_TEXT_LENGTH = 255;

// C0 and C1 control characters (lshw copies raw DMI bytes) and U+FFFD, the
// replacement character left by damaged strings.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffd]+/g;

/** True when the text holds a character CONTROL replaces; a loop is cheaper than the regex for the usual clean field. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) return true;
  }
  return false;
}

/** True unless `c` may be one of the white-space characters String.prototype.trim removes (space, NBSP, U+1680 and above). */
function isSurelyNotTrimmed(c: number): boolean {
  return c > 0x20 && c !== 0xa0 && c < 0x1680;
}

/** Cleans one text field: control characters dropped, spaces trimmed, length capped. */
export function cleanText(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  let text = typeof raw === 'string' ? raw : String(raw);
  if (hasControl(text)) text = text.replace(CONTROL, ' ');
  // Most fields need no trim: checking both ends is cheaper than the call.
  if (text.length === 0 || !isSurelyNotTrimmed(text.charCodeAt(0)) || !isSurelyNotTrimmed(text.charCodeAt(text.length - 1))) text = text.trim();
  if (text.length > MAX_TEXT_LENGTH) text = Array.from(text).slice(0, MAX_TEXT_LENGTH).join('').trimEnd();
  return text === '' ? undefined : text;
}

/** 1 to 20 ASCII digits: what lshw writes for a count (a char loop, cheaper than a regex here). */
function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses a non-negative integer written by lshw ("1073741824"); anything else is undefined. */
export function parseCount(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string' || !isDigits(raw.trim())) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

// Every field is present from the start, in one order, even when undefined: all
// nodes then share one V8 object shape, so the readers' stores and the model's
// reads of node.description, node.size … stay monomorphic instead of each of the
// few hundred nodes of a server growing its own shape as its fields arrive.
export function emptyNode(id: string, nodeClass: string): LshwNode {
  return {
    id,
    class: nodeClass,
    claimed: false,
    disabled: false,
    description: undefined,
    product: undefined,
    vendor: undefined,
    version: undefined,
    date: undefined,
    serial: undefined,
    slot: undefined,
    physid: undefined,
    businfo: undefined,
    logicalNames: [],
    size: undefined,
    capacity: undefined,
    clock: undefined,
    width: undefined,
    configuration: new Map(),
    capabilities: new Set(),
    children: [],
  };
}

/** Depth-first walk, the root first; `visit` returns false to skip a subtree. */
export function walk(node: LshwNode, visit: (node: LshwNode, parent: LshwNode | undefined) => boolean | void, parent?: LshwNode): void {
  if (visit(node, parent) === false) return;
  for (const child of node.children) walk(child, visit, node);
}

export function findAll(
  root: LshwNode,
  test: (node: LshwNode, parent: LshwNode | undefined) => boolean,
): Array<{ node: LshwNode; parent: LshwNode | undefined }> {
  const found: Array<{ node: LshwNode; parent: LshwNode | undefined }> = [];
  walk(root, (node, parent) => {
    if (test(node, parent)) found.push({ node, parent });
  });
  return found;
}

/** The plain text fields both lshw formats write under the same names. */
export const TEXT_FIELDS = ['description', 'product', 'vendor', 'version', 'date', 'serial', 'slot', 'physid', 'businfo'] as const;

/** Copies the fields whose value is defined; absent facts stay absent, never "undefined" keys. */
export function withDefined<T extends object>(target: T, fields: Array<[keyof T, unknown]>): T {
  for (const [key, value] of fields) if (value !== undefined) (target as Record<keyof T, unknown>)[key] = value;
  return target;
}

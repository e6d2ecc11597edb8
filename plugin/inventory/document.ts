// The raw upload before any parsing: size, encoding and a first look at what
// it is, so an operator who posted the wrong thing is told which thing.

import { isAscii } from 'node:buffer';
import { DployError } from '../errors.js';

/** Twelve times the largest real lshw document seen (334 KB, a 2-socket server with 16 DIMMs). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export type InventoryFormat = 'xml' | 'json';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes the body as strict UTF-8 (lshw writes UTF-8) and refuses what is not lshw of the declared format. */
export function documentText(body: Buffer | string, format: InventoryFormat): string {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > MAX_DOCUMENT_BYTES) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_TOO_LARGE',
      `the inventory is ${size} bytes, more than the ${MAX_DOCUMENT_BYTES} bytes an lshw document can plausibly take; check that the agent posts "lshw -${format}" output and nothing else`,
    );
  }
  let text: string;
  try {
    // lshw output is nearly always pure ASCII, which is valid UTF-8 and decodes
    // as latin1 byte for byte, several times faster than the UTF-8 decoder.
    text = typeof body === 'string' ? body : isAscii(body) ? body.toString('latin1') : utf8.decode(body);
  } catch (err) {
    throw new DployError(
      'DPLOY_ERR_INVENTORY_INVALID',
      'the inventory is not valid UTF-8 text (lshw writes UTF-8); it was probably re-encoded or truncated on the way — post the file lshw wrote, unmodified',
      { cause: err },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  refuseOtherShapes(text.trimStart(), format);
  return text;
}

function refuseOtherShapes(start: string, format: InventoryFormat): void {
  const invalid = (message: string) => new DployError('DPLOY_ERR_INVENTORY_INVALID', message);
  if (start === '') throw invalid('the inventory is empty; the agent must post the output of "lshw -xml"');
  if (/^H\/W path\s+Device\s+Class/.test(start)) {
    throw invalid(
      'the inventory is "lshw -short" text, a table for people that lacks serials, MACs and sizes; post the output of "lshw -xml" (or "lshw -json") instead',
    );
  }
  const looksXml = start.startsWith('<');
  const looksJson = start.startsWith('{') || start.startsWith('[');
  if (format === 'json' && looksXml)
    throw invalid('the inventory was sent as JSON but is XML; send it with Content-Type application/xml (or post "lshw -json" output)');
  if (format === 'xml' && looksJson)
    throw invalid('the inventory was sent as XML but is JSON; send it with Content-Type application/json (or post "lshw -xml" output)');
  if (!looksXml && !looksJson) {
    const plain = /^\S+\n\s+description: /.test(start);
    throw invalid(
      plain
        ? 'the inventory is lshw\'s plain text report; post the output of "lshw -xml" (or "lshw -json") instead'
        : `the inventory is neither XML nor JSON (it starts with "${start.slice(0, 20).replace(/[^\x20-\x7e]/g, '?')}"); post the output of "lshw -xml"`,
    );
  }
}

// An agent's inventory upload from its bytes as received to the parsed
// Inventory: gunzip (capped at the body limit, so a gzip bomb stops there),
// the document's sha256 (how dploy tells a re-post from a new document) and
// the parse. The same steps run on the event loop for usual uploads and on a
// parse thread (parse-pool.ts) for large ones, so a worst-case document's
// inflate and hash do not hold up TFTP answers either.

import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DployError } from '../errors.js';
import type { Inventory } from '../model/inventory.js';
import { parseInventory, type InventoryFormat } from './index.js';

export interface Upload {
  /** The body as it came over HTTP. */
  raw: Buffer;
  /** Content-Encoding gzip (checked by the route). */
  gzip: boolean;
  format: InventoryFormat;
  /** The most a document may hold once decompressed (http.bodyLimitBytes). */
  limitBytes: number;
}

export interface ReadUpload {
  inventory: Inventory;
  /** The document itself (decompressed). */
  body: Buffer;
  sha256: string;
}

export function readUpload(upload: Upload): ReadUpload {
  return readDocument(decodeUpload(upload), upload.format);
}

export function decodeUpload(upload: Upload): Buffer {
  return upload.gzip ? gunzipDocument(upload.raw, upload.limitBytes) : upload.raw;
}

/** The document if it is smaller than `bytes` once decoded; undefined (nothing inflated past `bytes`) if not. */
export function decodeSmall(upload: Upload, bytes: number): Buffer | undefined {
  if (!upload.gzip) return upload.raw.length < bytes ? upload.raw : undefined;
  try {
    return gunzipSync(upload.raw, { maxOutputLength: Math.min(bytes, upload.limitBytes) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return bytes < upload.limitBytes ? undefined : decodeUpload(upload);
    return decodeUpload(upload); // throws the same error, worded
  }
}

export function readDocument(body: Buffer, format: InventoryFormat): ReadUpload {
  const inventory = parseInventory(body, format);
  return { inventory, body, sha256: createHash('sha256').update(body).digest('hex') };
}

/**
 * What the document will weigh once decompressed, to choose where it is read:
 * a gzip stream's last four bytes hold its size (RFC 1952 ISIZE, modulo 2^32).
 * A hint only: the limit is enforced while inflating.
 */
export function expectedBytes(upload: Upload): number {
  if (!upload.gzip) return upload.raw.length;
  const isize = upload.raw.length >= 18 ? upload.raw.readUInt32LE(upload.raw.length - 4) : 0;
  // A usual lshw document compresses 8-15x; a stream whose trailer lies is still inflated under the limit.
  return Math.max(isize, upload.raw.length * 8);
}

function gunzipDocument(raw: Buffer, limitBytes: number): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: limitBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DployError(
        'DPLOY_ERR_INVENTORY_TOO_LARGE',
        `the inventory expands to more than ${limitBytes} bytes once decompressed (limit: http.bodyLimitBytes)`,
      );
    }
    throw new DployError('DPLOY_ERR_INVENTORY_INVALID', `the body is not valid gzip (${(err as Error).message}); was the upload cut short?`);
  }
}

// The body of an agent upload: which document format it is (from
// Content-Type) and its bytes after Content-Encoding, with the size limit
// applied again after decompression so a gzip bomb stops at the limit.

import { gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { DployError } from '../errors.js';

const gunzipAsync = promisify(gunzip);
/**
 * A usual lshw upload (3–30 KiB gzip) inflates in ~0.03 ms on the event loop;
 * the thread pool's hand-off costs more than that (0.04–0.08 ms of CPU and
 * 0.06–0.12 ms of latency here). Larger bodies go to the pool; output is
 * capped at the limit either way.
 */
const INLINE_GUNZIP_BYTES = 64 * 1024;

export const AGENT_MEDIA_TYPES: Record<string, 'xml' | 'json'> = {
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/json': 'json',
};

export function documentFormat(request: FastifyRequest): 'xml' | 'json' {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const format = AGENT_MEDIA_TYPES[mediaType];
  if (!format) throw unsupportedMediaType(mediaType);
  return format;
}

export function unsupportedMediaType(mediaType: string): DployError {
  return new DployError(
    'DPLOY_ERR_UNSUPPORTED_MEDIA_TYPE',
    `Content-Type "${mediaType.slice(0, 60) || '(none)'}" is not an inventory: send lshw -xml as application/xml or lshw -json as application/json`,
  );
}

export async function decodedBody(request: FastifyRequest, raw: Buffer, limitBytes: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new DployError(
      'DPLOY_ERR_UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the document plain or gzip-compressed`,
    );
  }
  try {
    return raw.length <= INLINE_GUNZIP_BYTES ? gunzipSync(raw, { maxOutputLength: limitBytes }) : await gunzipAsync(raw, { maxOutputLength: limitBytes });
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

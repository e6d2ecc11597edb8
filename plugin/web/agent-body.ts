// The body of an agent upload: which document format it is (from
// Content-Type) and its bytes after Content-Encoding, with the size limit
// applied again after decompression so a gzip bomb stops at the limit.

import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { DployError } from '../errors.js';

const gunzipAsync = promisify(gunzip);

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
    throw new DployError('DPLOY_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the document plain or gzip-compressed`);
  }
  try {
    return await gunzipAsync(raw, { maxOutputLength: limitBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DployError('DPLOY_ERR_INVENTORY_TOO_LARGE', `the inventory expands to more than ${limitBytes} bytes once decompressed (limit: http.bodyLimitBytes)`);
    }
    throw new DployError('DPLOY_ERR_INVENTORY_INVALID', `the body is not valid gzip (${(err as Error).message}); was the upload cut short?`);
  }
}

// The body of an agent upload: which document format it is (from
// Content-Type) and whether it is gzip-compressed (Content-Encoding).

import type { FastifyRequest } from 'fastify';
import { DployError } from '../errors.js';

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

/** Whether the upload is gzip-compressed (inflated by plugin/inventory/upload.ts); any encoding but gzip and identity is refused. */
export function isGzipUpload(request: FastifyRequest): boolean {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return false;
  if (encoding === 'gzip' || encoding === 'x-gzip') return true;
  throw new DployError(
    'DPLOY_ERR_UNSUPPORTED_MEDIA_TYPE',
    `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the document plain or gzip-compressed`,
  );
}

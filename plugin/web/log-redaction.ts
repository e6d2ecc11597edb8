// Request URLs as fastify logs them, without the secrets some of them carry:
// the job token in /answers/<token>/… and a ?token= (the enrollment token of a
// busybox wget that cannot send headers). Logs are read by more people, and
// kept longer, than the database (docs/security.md).

import type { FastifyRequest } from 'fastify';

const REDACTED = '<redacted>';

export function redactUrl(url: string): string {
  return url.replace(/^(\/answers\/)[^/?#]+/, `$1${REDACTED}`).replace(/([?&]token=)[^&#]*/gi, `$1${REDACTED}`);
}

/** Fastify's default request fields, with the URL redacted. */
export function redactedRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

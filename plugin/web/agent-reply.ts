// Agent answers: JSON by default; `Accept: text/plain` gets key=value lines
// that a busybox shell script reads with `while IFS== read -r key value`.

import type { FastifyReply, FastifyRequest } from 'fastify';

export type AgentFields = Record<string, string | number | boolean | string[] | undefined>;

export function replyForAgent(request: FastifyRequest, reply: FastifyReply, fields: AgentFields): FastifyReply {
  if (!wantsPlainText(request)) return reply.send(fields);
  const lines = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${plain(value!)}`);
  return reply.type('text/plain; charset=utf-8').send(lines.join('\n') + '\n');
}

export function wantsPlainText(request: FastifyRequest): boolean {
  return /^\s*text\/plain/i.test(request.headers.accept ?? '');
}

function plain(value: string | number | boolean | string[]): string {
  const text = Array.isArray(value) ? value.join(', ') : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  // One line per key, whatever a host name or change text contains.
  return text.replace(/[\r\n]+/g, ' ');
}

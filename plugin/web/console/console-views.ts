// The console's HTML comes from Eta templates in console/ of the package,
// through an Eta instance of its own with HTML escaping on: <%= %> escapes
// everything a machine or a person typed. The boot and answer instances keep
// escaping off, right for their file formats. Templates compile to code, so
// they come from the package only, never from the operator's directories.

import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { shipped } from '../../package-root.js';
import { may, type Permission } from '../../model/role.js';

const eta = new Eta({ views: shipped('console/'), autoEscape: true, autoTrim: false, cache: true, useWith: false });

/** What every page gets: who is logged in, what they may do, the session's CSRF token for forms. */
export function pageData(request: FastifyRequest): { me?: { name: string; role: string }; can: (p: Permission) => boolean; csrf: string } {
  const session = request.session;
  return {
    ...(session ? { me: { name: session.userName, role: session.role } } : {}),
    can: (permission: Permission) => (session ? may(session.role, permission) : false),
    csrf: session?.csrfToken ?? '',
  };
}

export function renderPage(reply: FastifyReply, template: string, data: object, status = 200): FastifyReply {
  const html = eta.render(template, { ...pageData(reply.request), ...data });
  // No framing by other sites, no scripts at all: the console needs none.
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
    .send(html);
}

/** Query-string values as a page reads them: one string each, or absent. */
export function queryText(value: unknown, max = 200): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && text.trim() ? text.trim().slice(0, max) : undefined;
}

// The console's session: a cookie holding a random id (HttpOnly, SameSite
// Strict, Secure on the HTTPS listener) that names a row of dploy_sessions,
// and the session's CSRF token that every form sends back (OWASP's
// synchronizer token pattern). Before login, the login form has its own
// random cookie and field pair, as nothing else identifies the browser yet.

import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { findSession, type Session } from '../../store/sessions.js';

export const SESSION_COOKIE = 'dploy_session';
export const LOGIN_COOKIE = 'dploy_login';
/** A session ends 8 hours after login, in use or not: a working day, then the password again. */
export const SESSION_LIFETIME_MS = 8 * 3600_000;

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session & { id: string };
  }
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Cookie values are base64url: nothing to quote. An empty value with max age 0 removes the cookie. */
export function setCookie(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number, secure: boolean): void {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])];
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  reply.header('set-cookie', [...list, attributes.join('; ')]);
}

/** onRequest: the session behind the cookie, if any, becomes the request's caller. */
export function loadSession(db: DataSource) {
  return async (request: FastifyRequest): Promise<void> => {
    const id = readCookie(request, SESSION_COOKIE);
    const session = id ? await findSession(db.manager, id) : undefined;
    if (!session || !id) return;
    request.session = { ...session, id };
    request.caller = { actor: `console:${session.userName}`, role: session.role };
  };
}

export function sameSecret(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Every state-changing form of a session carries its token; a form from elsewhere cannot know it. */
export function checkCsrf(request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | undefined;
  if (!sameSecret(body?.csrf, request.session?.csrfToken))
    throw new DployError('DPLOY_ERR_FORBIDDEN', 'this form is not from your current session (CSRF token missing or stale): reload the page and send it again');
}

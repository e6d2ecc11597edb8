// GET/POST /login, POST /logout. A login always opens a new session and ends
// the one the browser came with, so an id planted before login is worth
// nothing after it (session fixation, OWASP).

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { recordAudit } from '../../store/audit-log.js';
import { closeSession, openSession } from '../../store/sessions.js';
import { checkLogin } from '../../store/users.js';
import { renderPage } from './console-views.js';
import { checkCsrf, LOGIN_COOKIE, readCookie, sameSecret, SESSION_COOKIE, SESSION_LIFETIME_MS, setCookie } from './console-session.js';
import type { LoginThrottle } from './login-throttle.js';

export interface LoginDeps {
  db: DataSource;
  throttle: LoginThrottle;
  secureCookies: boolean;
}

export function loginPages(app: FastifyInstance, deps: LoginDeps): void {
  const loginForm = (reply: FastifyReply, status: number, extra: { error?: string; user?: string } = {}) => {
    const loginCsrf = randomBytes(32).toString('base64url');
    setCookie(reply, LOGIN_COOKIE, loginCsrf, 3600, deps.secureCookies);
    return renderPage(reply, 'login', { title: 'Log in', loginCsrf, ...extra }, status);
  };

  app.get('/login', async (request, reply) => (request.session ? reply.redirect('/', 303) : loginForm(reply, 200)));

  app.post<{ Body: Record<string, string | undefined> }>('/login', async (request, reply) => {
    const body = request.body ?? {};
    const user = (body.user ?? '').trim().toLowerCase().slice(0, 64);
    if (!sameSecret(body.csrf, readCookie(request, LOGIN_COOKIE)))
      return loginForm(reply, 403, { error: 'the login form expired or came from elsewhere; log in again', user });
    const waitMs = await deps.throttle.waitMs(user, request.ip);
    if (waitMs > 0) {
      reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      reply.header('x-dploy-error', 'DPLOY_ERR_RATE_LIMITED');
      return loginForm(reply, 429, { error: `too many failed logins for ${user} from ${request.ip}: wait ${Math.ceil(waitMs / 1000)} s`, user });
    }
    const found = await checkLogin(deps.db.manager, user, body.password ?? '');
    if (!found) {
      await deps.throttle.failed(user, request.ip);
      request.log.warn({ user, address: request.ip }, 'console login failed');
      // 403, not 401: a 401 must name an HTTP authentication scheme (RFC 9110), and lynx stops to ask about it.
      return loginForm(reply, 403, { error: 'wrong user name or password', user });
    }
    await deps.throttle.succeeded(user, request.ip);
    const id = await openSession(deps.db.manager, found.id, SESSION_LIFETIME_MS, readCookie(request, SESSION_COOKIE));
    await recordAudit(deps.db.manager, { actor: `console:${found.name}`, action: 'login', target: found.name, detail: request.ip });
    setCookie(reply, SESSION_COOKIE, id, SESSION_LIFETIME_MS / 1000, deps.secureCookies);
    setCookie(reply, LOGIN_COOKIE, '', 0, deps.secureCookies);
    return reply.redirect('/', 303);
  });

  app.post('/logout', async (request: FastifyRequest, reply) => {
    if (!request.session) throw new DployError('DPLOY_ERR_UNAUTHORIZED', 'not logged in');
    checkCsrf(request);
    await closeSession(deps.db.manager, request.session.id);
    setCookie(reply, SESSION_COOKIE, '', 0, deps.secureCookies);
    return reply.redirect('/login', 303);
  });
}

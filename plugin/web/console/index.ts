// The HTML console (docs/console.md): server-rendered pages and plain forms
// that work in lynx, no JavaScript. Registered as its own fastify context so
// that its form parser, session hook and HTML error pages stay out of the
// agent and API routes.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { isDployError } from '../../errors.js';
import type { JobKinds } from '../../jobs/index.js';
import type { Platform } from '../../platforms/index.js';
import { ERROR_CODE_HEADER } from '../errors.js';
import { consoleOverTlsOnly } from '../tls.js';
import { adminPages } from './admin-pages.js';
import { consoleAssets } from './console-assets.js';
import { loadSession } from './console-session.js';
import { renderPage } from './console-views.js';
import { groupPages } from './group-pages.js';
import { hostPages } from './host-pages.js';
import { imagePages } from './image-pages.js';
import type { ImageVerifies } from '../../images/image-verifies.js';
import { jobPages } from './job-pages.js';
import { loginPages } from './login-pages.js';
import { LoginThrottle } from './login-throttle.js';
import { profilePages } from './profile-pages.js';

export interface ConsoleDeps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
  secretKeyFile?: string;
  /** The HTTPS listener: session cookies get Secure. */
  secureCookies: boolean;
  throttle?: LoginThrottle;
  /** On the plain listener of a dploy that has HTTPS: the port the console lives on instead. */
  consoleOnTlsPort?: () => number;
  /** The effective configuration, secrets masked (config/shown-config.ts), for admins' settings page. */
  settings?: ReadonlyArray<{ key: string; value: string }>;
  ocsConsoleUrl?: string;
  imageVerifies: ImageVerifies;
}

/** A form is a few fields, a profile at most a few hundred lines. */
const FORM_LIMIT_BYTES = 256 * 1024;

export function consolePages(deps: ConsoleDeps) {
  const throttle = deps.throttle ?? new LoginThrottle(deps.db.manager);
  return async (app: FastifyInstance): Promise<void> => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    if (deps.consoleOnTlsPort) app.addHook('onRequest', consoleOverTlsOnly(deps.consoleOnTlsPort));
    app.addHook('onRequest', loadSession(deps.db));
    app.setErrorHandler((err, request, reply) => {
      if (!isDployError(err) || err.status >= 500) throw err;
      reply.header(ERROR_CODE_HEADER, err.code);
      if (err.code === 'DPLOY_ERR_UNAUTHORIZED') return reply.redirect('/login', 303);
      return renderPage(reply, 'error', { title: `Refused: ${err.message}`, code: err.code }, err.status);
    });
    consoleAssets(app);
    loginPages(app, { db: deps.db, throttle, secureCookies: deps.secureCookies });
    hostPages(app, deps);
    groupPages(app, deps);
    jobPages(app, deps);
    profilePages(app, deps);
    imagePages(app, deps);
    adminPages(app, deps);
  };
}

// What a browser fetches beside the pages, without a session (the login page
// needs them too): the stylesheet, from a file because the pages' CSP refuses
// inline styles, and an empty answer for the icon every browser asks for, so
// that its console shows no 404. lynx fetches neither.

import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { shipped } from '../../package-root.js';

export function consoleAssets(app: FastifyInstance): void {
  const css = readFileSync(shipped('console/console.css'));
  app.get('/console.css', async (_request, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
  );
  app.get('/favicon.ico', async (_request, reply) => reply.header('cache-control', 'public, max-age=86400').code(204).send());
}

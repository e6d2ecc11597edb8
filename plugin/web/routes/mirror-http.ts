// GET/HEAD /mirror/<key>/<path> and /mirror/<key>.iso: imported install media
// (dploy media import), the tree answer files point their installers at.
// Only finished imports are served, through the same confinement as
// /boot/files, as a static server serves them (static-file.ts, docs/http.md):
// Range resumes multi-GiB downloads, ETag and Last-Modified revalidate apt's indexes.

import type { FastifyInstance } from 'fastify';
import { DployError } from '../../errors.js';
import { MEDIA_STAMP, type MirrorView } from '../../installers/index.js';
import { resolveConfinedFile } from '../confined-file.js';
import { sendStaticFile, type SentBytes } from '../static-file.js';

export interface MirrorDeps {
  mirrorDir: string;
  mirror: MirrorView;
}

export function mirrorHttpRoutes(app: FastifyInstance, deps: { mirrorHttp?: MirrorDeps; staticBytes?: SentBytes }): void {
  const served = deps.mirrorHttp;
  if (!served) return;
  // An install fetches a thousand packages per machine: no log line each, only refusals and failures (warn).
  app.get<{ Params: { '*': string } }>('/mirror/*', { logLevel: 'warn' }, async (request, reply) => {
    const path = request.params['*'];
    const [first = '', ...rest] = path.split('/');
    const key = rest.length === 0 && first.endsWith('.iso') ? first.slice(0, -'.iso'.length) : first;
    if (!served.mirror.has(key) || rest[rest.length - 1] === MEDIA_STAMP)
      throw new DployError('DPLOY_ERR_NOT_FOUND', `no imported media file ${path} (dploy media list)`);
    const file = resolveConfinedFile(served.mirrorDir, path, 'mirror file', 'installers.mirrorDir');
    const sent = await sendStaticFile(request, reply, file.path, `mirror file ${file.name}`);
    if (sent && deps.staticBytes) deps.staticBytes.bytes += sent.bytes;
  });
}

// GET/HEAD /mirror/<key>/<path> and /mirror/<key>.iso: imported install media
// (dploy media import), the tree answer files point their installers at.
// Only finished imports are served, through the same confinement as
// /boot/files; Range lets installers resume multi-GiB downloads.

import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { DployError } from '../../errors.js';
import { MEDIA_STAMP, type MirrorView } from '../../installers/index.js';
import { parseByteRange } from '../byte-range.js';
import { resolveConfinedFile } from '../confined-file.js';

export interface MirrorDeps {
  mirrorDir: string;
  mirror: MirrorView;
}

export function mirrorHttpRoutes(app: FastifyInstance, deps: { mirrorHttp?: MirrorDeps }): void {
  const served = deps.mirrorHttp;
  if (!served) return;
  app.get<{ Params: { '*': string } }>('/mirror/*', async (request, reply) => {
    const path = request.params['*'];
    const [first = '', ...rest] = path.split('/');
    const key = rest.length === 0 && first.endsWith('.iso') ? first.slice(0, -'.iso'.length) : first;
    if (!served.mirror.has(key) || rest[rest.length - 1] === MEDIA_STAMP)
      throw new DployError('DPLOY_ERR_NOT_FOUND', `no imported media file ${path} (dploy media list)`);
    const file = await resolveConfinedFile(served.mirrorDir, path, 'mirror file', 'installers.mirrorDir');
    const range = parseByteRange(request.headers.range, file.size);
    reply.type('application/octet-stream').header('accept-ranges', 'bytes');
    if (range.kind === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${file.size}`).send();
    if (range.kind === 'whole') return reply.header('content-length', file.size).send(createReadStream(file.path));
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
      .header('content-length', range.end - range.start + 1)
      .send(createReadStream(file.path, { start: range.start, end: range.end }));
  });
}

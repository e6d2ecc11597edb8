// Network boot over HTTP:
//   GET /boot/ipxe?mac=${netX/mac}&uuid=${uuid}&arch=${buildarch}   the iPXE script for that machine
//   GET /boot/files/<path>                                          kernels and initrds from the TFTP root
// HTTP moves a 32 MiB initrd many times faster than TFTP's lock-step; the
// same path rules as TFTP keep requests inside the root. Files are answered
// as a static server answers them (static-file.ts, docs/http.md).

import type { FastifyInstance } from 'fastify';
import { DployError } from '../../errors.js';
import { parseIpxeQuery } from '../../boot/index.js';
import type { BootService } from '../../boot/boot-service.js';
import { resolveConfinedFile } from '../confined-file.js';
import { sendStaticFile, type SentBytes } from '../static-file.js';

export function bootHttpRoutes(app: FastifyInstance, deps: { boot: BootService; tftpRoot: string; staticBytes?: SentBytes }): void {
  app.get<{ Querystring: Record<string, string> }>('/boot/ipxe', async (request, reply) => {
    const script = await deps.boot.forRequest({ ...parseIpxeQuery(request.query), clientAddress: request.ip });
    if (script === undefined) throw new DployError('DPLOY_ERR_NOT_FOUND', 'no boot entry for this machine (unknown and boot.unknownHost is "ignore")');
    return reply.type('text/plain; charset=utf-8').send(script);
  });

  app.get<{ Params: { '*': string } }>('/boot/files/*', async (request, reply) => {
    const file = resolveConfinedFile(deps.tftpRoot, request.params['*'], 'boot file', 'tftp.root');
    // The bytes that left, beside the status fastify logs: a client that got a whole kernel shows it here.
    const sent = await sendStaticFile(request, reply, file.path, `boot file ${file.name}`);
    if (!sent) return;
    request.log.info({ file: file.name, status: sent.status, bytes: sent.bytes }, 'boot file sent');
    if (deps.staticBytes) deps.staticBytes.bytes += sent.bytes;
  });
}

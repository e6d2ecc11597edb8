// The one place where errors become HTTP answers: a DployError keeps its
// status, code and operator message; anything else is a 500 whose details go
// to the log, not to the client.

import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { isDployError } from '../errors.js';
import { databaseOutage, lockConflictRefusal } from '../store/database-errors.js';
import { lingerBeforeClose, UNAUTHENTICATED_LINGER_BYTES } from './lingering-close.js';

export function registerErrorHandler(app: FastifyInstance): void {
  const lingering = new Set<Socket>();
  app.addHook('preClose', async () => {
    for (const socket of lingering) socket.destroy();
  });
  app.setErrorHandler((thrown: FastifyError | Error, request, reply) => {
    const err = isDployError(thrown) ? thrown : databaseOutage(thrown) ?? lockConflictRefusal(thrown) ?? thrown;
    if (!request.raw.complete) {
      // Without "Connection: close", Node reads the unread body to keep the connection: all of a declared 1 GB.
      reply.header('connection', 'close');
      lingerBeforeClose(request.raw, lingering, isDployError(err, 'DPLOY_ERR_UNAUTHORIZED') ? UNAUTHENTICATED_LINGER_BYTES : undefined);
    }
    if (isDployError(err)) {
      // Refusals are logged too: the machine's side often shows only a status code.
      if (err.status >= 500) request.log.error({ err }, err.message);
      else request.log.warn({ code: err.code, status: err.status }, err.message);
      return reply.status(err.status).send({ error: err.code, message: err.message });
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if ('code' in err && err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: 'DPLOY_ERR_INVENTORY_TOO_LARGE', message: `request body larger than the limit of this route (${request.routeOptions.bodyLimit ?? '?'} bytes; inventories: http.bodyLimitBytes)` });
    }
    if (status < 500) {
      request.log.warn({ code: 'code' in err ? err.code : undefined, status }, err.message);
      return reply.status(status).send({ error: 'DPLOY_ERR_INVALID_INPUT', message: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: 'DPLOY_ERR_INTERNAL', message: 'internal error; see the dploy log' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'DPLOY_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

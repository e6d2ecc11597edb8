// The one place where errors become HTTP answers: a DployError keeps its
// status, code and operator message; anything else is a 500 whose details go
// to the log, not to the client.

import type { FastifyError, FastifyInstance } from 'fastify';
import { isDployError } from '../errors.js';
import { lingerBeforeClose } from './lingering-close.js';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    lingerBeforeClose(request.raw);
    if (isDployError(err)) {
      // Refusals are logged too: the machine's side often shows only a status code.
      if (err.status >= 500) request.log.error({ err }, err.message);
      else request.log.warn({ code: err.code, status: err.status }, err.message);
      return reply.status(err.status).send({ error: err.code, message: err.message });
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if ('code' in err && err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: 'DPLOY_ERR_INVENTORY_TOO_LARGE', message: `request body larger than the limit (http.bodyLimitBytes = ${request.routeOptions.bodyLimit ?? '?'} bytes)` });
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

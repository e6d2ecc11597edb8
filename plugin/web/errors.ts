// The one place where errors become HTTP answers: a DployError keeps its
// status, code and operator message; anything else is a 500 whose details go
// to the log, not to the client. Every answer names its code in the JSON body,
// in the X-Dploy-Error header, and in the status line's reason phrase
// ("409 Conflict (DPLOY_ERR_MACHINE_LOCKED)"): busybox wget, the agents' client
// in mindi, stops at a refusal's status line without reading headers or body,
// and the agent scripts decide retry or give up on the code (docs/errors.md).

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isDployError, type ErrorCode } from '../errors.js';
import { databaseOutage, lockConflictRefusal } from '../store/database-errors.js';
import { lingerBeforeClose, UNAUTHENTICATED_LINGER_BYTES } from './lingering-close.js';

/** The header that carries an error answer's code. */
export const ERROR_CODE_HEADER = 'x-dploy-error';

export function registerErrorHandler(app: FastifyInstance): void {
  const lingering = new Set<Socket>();
  app.addHook('preClose', async () => {
    for (const socket of lingering) socket.destroy();
  });
  const answer = (reply: FastifyReply, status: number, error: ErrorCode, message: string) => {
    reply.raw.statusMessage = `${STATUS_CODES[status] ?? 'Error'} (${error})`;
    return reply.status(status).header(ERROR_CODE_HEADER, error).send({ error, message });
  };
  app.setErrorHandler((thrown: FastifyError | Error, request, reply) => {
    const err = isDployError(thrown) ? thrown : (databaseOutage(thrown) ?? lockConflictRefusal(thrown) ?? thrown);
    if (!request.raw.complete) {
      // Without "Connection: close", Node reads the unread body to keep the connection: all of a declared 1 GB.
      reply.header('connection', 'close');
      lingerBeforeClose(request.raw, lingering, isDployError(err, 'DPLOY_ERR_UNAUTHORIZED') ? UNAUTHENTICATED_LINGER_BYTES : undefined);
    }
    if (isDployError(err)) {
      // Refusals are logged too: the machine's side often shows only a status code.
      if (err.status >= 500) request.log.error({ err }, err.message);
      else request.log.warn({ code: err.code, status: err.status }, err.message);
      return answer(reply, err.status, err.code, err.message);
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if ('code' in err && err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return answer(
        reply,
        413,
        'DPLOY_ERR_INVENTORY_TOO_LARGE',
        `request body larger than the limit of this route (${request.routeOptions.bodyLimit ?? '?'} bytes; inventories: http.bodyLimitBytes)`,
      );
    }
    if (status < 500) {
      request.log.warn({ code: 'code' in err ? err.code : undefined, status }, err.message);
      return answer(reply, status, 'DPLOY_ERR_INVALID_INPUT', err.message);
    }
    request.log.error({ err }, 'unhandled error');
    return answer(reply, 500, 'DPLOY_ERR_INTERNAL', 'internal error; see the dploy log');
  });
  app.setNotFoundHandler((request, reply) => answer(reply, 404, 'DPLOY_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}

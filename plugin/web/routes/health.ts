// GET /healthz: is dploy up and can it reach its database? 200 or 503, for
// load balancers and `curl -f`.

import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../platforms/index.js';

export function healthRoutes(app: FastifyInstance, deps: { platform: Platform; version: string }): void {
  app.get('/healthz', async (_request, reply) => {
    try {
      await withTimeout(deps.platform.check(), 3_000);
      return { status: 'ok', database: 'ok', platform: deps.platform.name, version: deps.version };
    } catch (err) {
      return reply.status(503).send({
        status: 'degraded',
        database: 'unreachable',
        platform: deps.platform.name,
        version: deps.version,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// GET /metrics: Prometheus text exposition (format 0.0.4) of dploy's registry
// (web/dploy-metrics.ts). No token, like /healthz: it says how much is stored
// and how busy dploy is, never what (no host names, MACs or URLs in labels).

import type { FastifyInstance } from 'fastify';
import type { DployMetrics } from '../dploy-metrics.js';

export function metricsRoutes(app: FastifyInstance, deps: { metrics: DployMetrics }): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}

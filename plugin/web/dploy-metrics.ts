// What /metrics exposes, kept in one prom-client registry that both listeners
// (HTTP and HTTPS) share: the inventory store and the jobs by kind and state,
// read from the database at each scrape; every answered request's time by
// method, route pattern and status; and Node's own process metrics.

import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { inventoryStoreSize } from '../store/inventory-store.js';
import { jobCounts } from '../store/jobs.js';

export interface DployMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createMetrics(deps: { db: DataSource; inventoriesKept?: number }): DployMetrics {
  const registry = new Registry();
  const db = deps.db.manager;
  const inventoryGauge = (name: string, help: string, read: (s: Awaited<ReturnType<typeof inventoryStoreSize>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(read(await inventoryStoreSize(db)));
      },
    });
  inventoryGauge('dploy_inventory_documents', 'Inventory documents stored (dploy_inventories rows).', (s) => s.documents);
  inventoryGauge('dploy_inventory_hosts', 'Hosts with at least one stored inventory document.', (s) => s.hosts);
  inventoryGauge('dploy_inventory_posted_bytes', 'Size of the stored inventory documents as posted (they are kept gzip-compressed).', (s) => s.postedBytes);
  if (deps.inventoriesKept !== undefined) {
    new Gauge({ name: 'dploy_inventory_kept_per_host', help: 'Distinct documents kept per host (agent.inventoriesKept).', registers: [registry] }).set(
      deps.inventoriesKept,
    );
  }
  new Gauge({
    name: 'dploy_jobs',
    help: 'Jobs in dploy_jobs by kind and state, ended ones included (a pair with no job has no series).',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await jobCounts(db)) this.set({ kind: c.kind, state: c.state }, c.jobs);
    },
  });
  const httpDuration = new Histogram({
    name: 'dploy_http_request_duration_seconds',
    help: 'Time from request to answer sent, by method, route pattern ("unmatched" for none) and status.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  collectDefaultMetrics({ register: registry });
  return { registry, httpDuration };
}

/** Times every answered request of `app` (and of the contexts registered after it) into the histogram. */
export function timeRequests(app: FastifyInstance, metrics: DployMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, never the raw URL: a MAC or token in a path must not make a series of its own.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

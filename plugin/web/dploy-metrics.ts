// What /metrics exposes, kept in one prom-client registry that both listeners
// (HTTP and HTTPS) share: the inventory store and the jobs by kind and state,
// read from the database at each scrape; the TFTP server's transfers and
// bytes, read from its counters; every answered request's time by method,
// route pattern and status; and Node's own process metrics.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { inventoryStoreSize } from '../store/inventory-store.js';
import { jobCounts } from '../store/jobs.js';
import { kindStates, type JobKinds } from '../jobs/index.js';
import type { TftpStats } from '../tftp/index.js';

export interface DployMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export interface MetricSources {
  db: DataSource;
  /** The job kinds this dploy runs: each kind and state is a series, 0 while no job is in it. */
  kinds: JobKinds;
  inventoriesKept?: number;
  /** The TFTP server's counters; undefined while it is off or not started. */
  tftpStats?: () => TftpStats | undefined;
  /** Body bytes /boot/files and /mirror have sent (static-file.ts). */
  staticBytes?: { bytes: number };
  /** The busiest second the boot services served lately, which boot waves are sized from (docs/power.md). */
  bootPeak?: () => { bytesPerSecond: number } | undefined;
}

export function createMetrics(deps: MetricSources): DployMetrics {
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
    help: 'Jobs in dploy_jobs by kind and state, ended ones included; every state of every kind is present, 0 when empty.',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      // A series that exists before its first job lets rate() and increase() see that first one.
      for (const pair of kindStates(deps.kinds)) this.set(pair, 0);
      for (const c of await jobCounts(db)) this.set({ kind: c.kind, state: c.state }, c.jobs);
    },
  });
  if (deps.tftpStats) tftpMetrics(registry, deps.tftpStats);
  bootServedMetrics(registry, deps);
  const httpDuration = new Histogram({
    name: 'dploy_http_request_duration_seconds',
    help: 'Time from request to answer sent, by method, route pattern ("unmatched" for none) and status.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  collectDefaultMetrics({ register: registry });
  return { registry, httpDuration };
}

/** The TFTP server's own totals since it started, as counters (set from them at each scrape). */
function tftpMetrics(registry: Registry, stats: () => TftpStats | undefined): void {
  const total = (name: string, help: string, read: (s: TftpStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = stats();
        this.reset();
        if (now) this.inc(read(now));
      },
    });
  new Counter({
    name: 'dploy_tftp_transfers_total',
    help: 'TFTP read requests by outcome: completed, client_aborted, failed, refused.',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const now = stats();
      this.reset();
      if (!now) return;
      for (const [outcome, n] of [
        ['completed', now.completed],
        ['client_aborted', now.clientAborted],
        ['failed', now.failed],
        ['refused', now.refused],
      ] as const)
        this.inc({ outcome }, n);
    },
  });
  total('dploy_tftp_sent_bytes_total', 'File bytes sent in TFTP DATA packets.', (s) => s.bytesSent);
  total('dploy_tftp_retransmits_total', 'TFTP DATA packets sent again after a timeout.', (s) => s.retransmits);
  new Gauge({
    name: 'dploy_tftp_active_transfers',
    help: 'TFTP transfers running or being opened now.',
    registers: [registry],
    collect() {
      this.set(stats()?.active ?? 0);
    },
  });
}

/** What boot waves are sized from: the static files' bytes, and the busiest second served (0 before any). */
function bootServedMetrics(registry: Registry, deps: MetricSources): void {
  const { staticBytes, bootPeak } = deps;
  if (staticBytes)
    new Counter({
      name: 'dploy_static_sent_bytes_total',
      help: 'Body bytes of /boot/files and /mirror answers sent whole.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(staticBytes.bytes);
      },
    });
  if (bootPeak)
    new Gauge({
      name: 'dploy_boot_served_peak_bytes_per_second',
      help: 'The busiest second TFTP and HTTP static files served among the last 600 busy ones; boot waves are sized from it (0: nothing served yet).',
      registers: [registry],
      collect() {
        this.set(bootPeak()?.bytesPerSecond ?? 0);
      },
    });
}

/** Times every answered request of `app` (and of the contexts registered after it) into the histogram. */
export function timeRequests(app: FastifyInstance, metrics: DployMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, never the raw URL: a MAC or token in a path must not make a series of its own.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

// GET /metrics: Prometheus text exposition (format 0.0.4) of what an operator
// watches for: the inventory store, which anyone holding the public
// enrollment token adds to. No token, like /healthz: it says how much is
// stored, never what.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { inventoryStoreSize } from '../../store/inventory-store.js';

export function metricsRoutes(app: FastifyInstance, deps: { db: DataSource; inventoriesKept?: number }): void {
  app.get('/metrics', async (_request, reply) => {
    const size = await inventoryStoreSize(deps.db.manager);
    const lines = [
      gauge('dploy_inventory_documents', 'Inventory documents stored (dploy_inventories rows).', size.documents),
      gauge('dploy_inventory_hosts', 'Hosts with at least one stored inventory document.', size.hosts),
      gauge('dploy_inventory_posted_bytes', 'Size of the stored inventory documents as posted (they are kept gzip-compressed).', size.postedBytes),
      ...(deps.inventoriesKept !== undefined
        ? [gauge('dploy_inventory_kept_per_host', 'Distinct documents kept per host (agent.inventoriesKept).', deps.inventoriesKept)]
        : []),
    ];
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(lines.join(''));
  });
}

function gauge(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
}

// POST /agent/v1/inventory: a machine booted into discovery posts its
// `lshw -xml` (or -json), optionally gzip-compressed. Nothing is written
// unless the whole document parses; then the platform writes the machine and
// the raw document in one transaction. The X-Dploy-Bootif header carries the
// BOOTIF the machine was booted with: its boot NIC, kept on the host after
// that transaction (a fact of the boot, not of the hardware document).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import type { InventoryParser } from '../../inventory/parse-pool.js';
import type { Host } from '../../model/host.js';
import { macOfBootif } from '../../model/mac.js';
import { recordSeenBootNic } from '../../store/boot-requests.js';
import { applyAgentEvent, nextActionFor, type JobKinds } from '../../jobs/index.js';
import { reportStatus } from '../../jobs/runner.js';
import type { Platform } from '../../platforms/index.js';
import { enrollmentGuard } from '../agent-auth.js';
import { AGENT_MEDIA_TYPES, documentFormat, isGzipUpload, unsupportedMediaType } from '../agent-body.js';
import { replyForAgent } from '../agent-reply.js';

export function agentInventoryRoutes(
  app: FastifyInstance,
  deps: {
    db: DataSource;
    platform: Platform;
    kinds: JobKinds;
    bodyLimitBytes: number;
    inventoryParser: InventoryParser;
    rediscoverKnownHosts?: boolean;
    inventoriesKept?: number;
    onHostsChanged?: () => void;
  },
): void {
  void app.register(async (scope) => {
    // Raw bytes for every inventory media type; decoding and parsing are ours.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(Object.keys(AGENT_MEDIA_TYPES), { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.addContentTypeParser('*', (request, _payload, done) => done(unsupportedMediaType(request.headers['content-type'] ?? ''), undefined));

    scope.post('/agent/v1/inventory', { onRequest: enrollmentGuard(deps.db) }, async (request, reply) => {
      const format = documentFormat(request);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const gzip = isGzipUpload(request);
      const { inventory, body, sha256 } = await deps.inventoryParser.read({ raw, gzip, format, limitBytes: deps.bodyLimitBytes });
      const recorded = await deps.platform.recordInventory(inventory, {
        format,
        body,
        sha256,
        remoteAddress: request.ip,
        rediscover: deps.rediscoverKnownHosts ?? false,
        ...(deps.inventoriesKept !== undefined ? { keepDocuments: deps.inventoriesKept } : {}),
        // A gzip upload is stored as received.
        ...(gzip ? { gzip: raw } : {}),
      });
      const who = { hostId: recorded.host.id, host: recorded.host.name };
      await recordBootif(deps.db, request, recorded.host);
      // No child logger per post: a storm's posts would each build one that logs nothing below level info.
      request.log.info({ ...who, created: recorded.created, changes: recorded.changes }, recorded.created ? 'machine discovered' : 'inventory updated');
      if (recorded.created) deps.onHostsChanged?.();
      // A rediscovery job waits for exactly this post; the identity lookup already said whether there is one.
      if (recorded.activeJob) {
        const log = request.log.child(who);
        const event = await applyAgentEvent(deps.db, deps.kinds, recorded.host.id, 'inventory', `inventory from ${request.ip}`);
        if (event.outcome === 'moved' && event.job) await reportStatus({ platform: deps.platform, kinds: deps.kinds, log }, event.job);
      }
      const next = nextActionFor(recorded.host);
      return replyForAgent(request, reply, {
        host_id: recorded.host.id,
        host_name: recorded.host.name,
        created: recorded.created,
        changes: recorded.changes,
        action: next.action,
        poll_seconds: next.pollSeconds,
        reason: next.reason,
      });
    });
  });
}

/** A BOOTIF that is not one of the machine's own NICs is logged and dropped: the post is the machine's word only. */
async function recordBootif(db: DataSource, request: FastifyRequest, host: Host): Promise<void> {
  const header = request.headers['x-dploy-bootif'];
  if (typeof header !== 'string' || header === '') return;
  const mac = macOfBootif(header);
  if (mac && (await recordSeenBootNic(db.manager, host, mac))) return;
  request.log.warn({ hostId: host.id, bootif: header.slice(0, 64) }, "BOOTIF is not one of this machine's NICs; boot NIC left as it was");
}

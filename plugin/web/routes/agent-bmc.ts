// POST /agent/v1/bmc-lan: the discovery agent's second, small post, after the
// inventory: the text of `ipmitool lan print` when the machine has a BMC it can
// see (/dev/ipmi0). Same enrollment token as the inventory post
// (docs/security.md); the machine names itself by one of its MACs
// (X-Dploy-Mac), as the inventory names it by its NICs. The post is taken only
// within minutes of an inventory dploy accepted for that machine, so it has no
// more reach than that post (a new machine, or a known one in a discover job):
// a learned address is where a group's BMC password will be sent. The address is kept
// as learned (store/host-bmc-learned.ts) only while the operator has given
// the host none: an operator's address is never replaced by a learned one.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { parseIpmiLanPrint } from '../../inventory/ipmi-lan.js';
import { findHost } from '../../store/hosts.js';
import { readHostBmc } from '../../store/host-bmcs.js';
import { latestInventoryAt } from '../../store/inventories.js';
import { writeLearnedBmc } from '../../store/host-bmc-learned.js';
import { enrollmentGuard } from '../agent-auth.js';
import { replyForAgent } from '../agent-reply.js';

/** How long after its accepted inventory a machine may post its BMC's LAN settings. */
const AFTER_INVENTORY_MS = 10 * 60_000;
/** `ipmitool lan print` is about 1.5 KB; anything far larger is not it. */
const LIMIT_BYTES = 64 * 1024;

export function agentBmcRoutes(app: FastifyInstance, deps: { db: DataSource }): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: LIMIT_BYTES }, (_request, body, done) => done(null, body));
    scope.post('/agent/v1/bmc-lan', { onRequest: enrollmentGuard(deps.db) }, async (request, reply) => {
      const mac = request.headers['x-dploy-mac'];
      if (typeof mac !== 'string' || mac === '') throw new DployError('DPLOY_ERR_INVALID_INPUT', 'X-Dploy-Mac: give one of the MACs the inventory post named');
      const host = await findHost(deps.db.manager, mac);
      if (!host || !host.macs.includes(mac.toLowerCase()))
        throw new DployError('DPLOY_ERR_NOT_FOUND', `no machine with MAC ${mac.slice(0, 40)}: post the inventory first`);
      const last = await latestInventoryAt(deps.db.manager, host.id);
      if (!last || Date.now() - last.getTime() > AFTER_INVENTORY_MS)
        throw new DployError('DPLOY_ERR_CONFLICT', `host ${host.name}: no inventory accepted in the last 10 minutes; the BMC post follows the inventory post`);
      const lan = parseIpmiLanPrint(typeof request.body === 'string' ? request.body : '');
      const operatorSet = host.bmcAddress !== undefined || (await readHostBmc(deps.db.manager, host.id)) !== undefined;
      const learned = lan !== undefined && !operatorSet;
      if (learned) await writeLearnedBmc(deps.db.manager, host.id, lan);
      request.log.info({ hostId: host.id, bmc: lan ?? null, learned }, learned ? 'BMC address learned from inventory' : 'BMC address not learned');
      return replyForAgent(request, reply, {
        host_id: host.id,
        learned,
        reason: !lan ? 'no BMC address in the text (not set up, or 0.0.0.0)' : operatorSet ? "the operator's BMC address stands" : `learned ${lan.address}`,
      });
    });
  });
}

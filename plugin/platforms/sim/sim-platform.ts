// HP Systems Insight Manager as dploy's host tool, through SIM's documented
// command line (SIM cannot be reached any other way: its database is SIM's
// own). Machines, tasks and jobs live in dploy's tables (in dploy's own
// database, or the CMS's PostgreSQL on a Linux CMS), as in standalone; what
// SIM adds is where the operator works: dploy's machines appear as SIM
// systems, the operator runs dploy's tools on systems or collections (SIM's
// rights decide who may), and dploy's status shows on each system.

import type { EntityManager } from 'typeorm';
import { isDployError } from '../../errors.js';
import type { Store } from '../../store/database.js';
import type { Platform } from '../platform.js';
import { createStandalonePlatform } from '../standalone/standalone-platform.js';
import type { MxCli } from './mx-cli.js';
import { mxCliOf, requireMxCommands, SIM_DEFAULTS, type SimSettings } from './sim-settings.js';
import { simSystems } from './sim-systems.js';

const FORGOTTEN = 'forgotten by dploy: its next network boot discovers it again';

export function createSimPlatform(store: Store, settings: SimSettings = SIM_DEFAULTS, cli: MxCli = mxCliOf(settings)): Platform {
  const base = createStandalonePlatform(store);
  const { db } = store;
  const systems = simSystems(cli);
  return {
    ...base,
    name: 'sim',
    async check() {
      await base.check();
      await requireMxCommands(settings);
    },
    // The machine is recorded first; SIM is told after. If SIM fails, the agent's retry finds the
    // machine recorded and tells SIM again (ensure() is a no-op once the system is linked).
    async recordInventory(inventory, document) {
      const recorded = await base.recordInventory(inventory, document);
      await systems.ensure(db.manager, recorded.host, inventory);
      return recorded;
    },
    async addHost(input) {
      const host = await base.addHost(input);
      await systems.ensure(db.manager, host);
      return host;
    },
    // SIM keeps the system (it is the operator's record), as OCS keeps its computer; it only learns dploy let go.
    // A system already deleted in SIM does not keep dploy from forgetting; a SIM out of reach is retried.
    async forgetHost(hostId, within) {
      const tx: EntityManager = within ?? db.manager;
      await systems.writeStatus(tx, hostId, FORGOTTEN).catch((err: unknown) => {
        if (!isDployError(err, 'DPLOY_ERR_SIM_REFUSED')) throw err;
      });
      await base.forgetHost(hostId, within);
    },
    cancelAdvice: (jobId) => `to end it now: dploy jobs cancel ${jobId} on the CMS, then run the tool again`,
    async writeStatus(hostId, status, options) {
      await base.writeStatus(hostId, status, options);
      await systems.writeStatus(db.manager, hostId, status);
    },
  };
}

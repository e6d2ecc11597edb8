// Standalone: no host tool. Machines, tasks and status live in dploy's own
// tables (dploy_hosts.task, .status) and the operator uses dploy's CLI and
// console.

import type { EntityManager } from 'typeorm';
import type { Store } from '../../store/database.js';
import { addHost, forgetHost, getHost } from '../../store/hosts.js';
import { createDiscoveryIntake, prepareIntake, recordIntake, type Intake } from '../../store/discovery/index.js';
import { retryOnUniqueViolation } from '../../store/unique-retry.js';
import { pendingHostTasks, setHostTask, writeHostStatus } from '../../store/tasks.js';
import type { Platform } from '../platform.js';

export function createStandalonePlatform(store: Store): Platform {
  const { db } = store;
  const { dialect } = store.target;
  const alone = (intake: Intake) => retryOnUniqueViolation(() => db.transaction((tx) => recordIntake(tx, dialect, intake)));
  // MariaDB pays a round trip per statement batch: concurrent discoveries share them (group-commit.ts).
  // SQLite has one writer and no round trips; PostgreSQL takes one statement per query.
  const record = dialect === 'mysql' ? createDiscoveryIntake(db, alone) : alone;
  return {
    name: 'standalone',
    async check() {
      await db.query('SELECT 1');
    },
    recordInventory: async (inventory, document) => record(prepareIntake(inventory, document)),
    addHost: (input) => db.transaction((tx) => addHost(tx, input)),
    async forgetHost(hostId, within) {
      const forget = async (tx: EntityManager) => {
        await getHost(tx, hostId);
        await forgetHost(tx, hostId);
      };
      await (within ? forget(within) : db.transaction(forget));
    },
    cancelAdvice: (jobId) => `to end it now: dploy jobs cancel ${jobId}, or set the task with --force`,
    pendingTasks: () => pendingHostTasks(db.manager),
    async setTask(hostIds, task, options) {
      // One transaction for a whole group: every member gets the task or none does.
      await db.transaction(async (tx) => {
        for (const id of hostIds) await setHostTask(tx, id, task, options.profile, options.image);
      });
    },
    writeStatus: (hostId, status, options) => writeHostStatus(db.manager, hostId, status, options?.clearTask),
  };
}

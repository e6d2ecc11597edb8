// Standalone: no host tool. Machines, tasks and status live in dploy's own
// tables (dploy_hosts.task, .status) and the operator uses dploy's CLI and
// console.

import type { Store } from '../../store/database.js';
import { addHost, forgetHost, getHost } from '../../store/hosts.js';
import { recordMachine, recordMachineInOwnBatch } from '../../store/machines.js';
import { retryOnUniqueViolation } from '../../store/unique-retry.js';
import { pendingHostTasks, setHostTask, writeHostStatus } from '../../store/tasks.js';
import type { Platform } from '../platform.js';

export function createStandalonePlatform(store: Store): Platform {
  const { db } = store;
  return {
    name: 'standalone',
    async check() {
      await db.query('SELECT 1');
    },
    recordInventory: (inventory, document) =>
      retryOnUniqueViolation(() => (store.target.dialect === 'mysql'
        ? recordMachineInOwnBatch(db, inventory, document)
        : db.transaction((tx) => recordMachine(tx, store.target.dialect, inventory, document)))),
    addHost: (input) => db.transaction((tx) => addHost(tx, input)),
    async forgetHost(hostId) {
      await db.transaction(async (tx) => {
        await getHost(tx, hostId);
        await forgetHost(tx, hostId);
      });
    },
    pendingTasks: () => pendingHostTasks(db.manager),
    async setTask(hostIds, task, options) {
      // One transaction for a whole group: every member gets the task or none does.
      await db.transaction(async (tx) => {
        for (const id of hostIds) await setHostTask(tx, id, task, options.profile, options.image);
      });
    },
    writeStatus: (hostId, status, options) => writeHostStatus(db.manager, hostId, status, options?.clearTask ?? false),
  };
}

// OCS Inventory NG as dploy's host tool: machines are OCS computers, tasks
// are the console's administrative data (DPLOYTASK, DPLOYPROFILE), progress
// is DPLOYSTATUS. dploy's own tables live in the same ocsweb database, so a
// discovered machine is written to both in one transaction.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import type { Inventory } from '../../model/inventory.js';
import type { Store } from '../../store/database.js';
import { addHost, forgetHost, getHost } from '../../store/hosts.js';
import { linkHost } from '../../store/host-links.js';
import { createDiscoveryIntake, type DiscoveryIntakeOptions, prepareIntake, recordIntake, type Intake } from '../../store/discovery/index.js';
import { retryOnUniqueViolation } from '../../store/unique-retry.js';
import { VERSION } from '../../version.js';
import type { Platform } from '../platform.js';
import { FIELD, requireAdminFields, type AdminFields } from './admin-fields.js';
import { computerByMacs } from './adopt.js';
import { ocsComputerRows } from './computer-group.js';
import { checkOcsDatabase, type OcsSchemaOptions } from './ocs-database.js';
import type { OcsWriteColumns } from './ocs-schema.js';
import { machineRows } from './machine-rows.js';
import { writeComputer } from './machine-writer.js';
import { syncSelectValues } from './registration.js';
import { restoreStatuses, writeComputerStatus } from './status-writer.js';
import { readPendingTasks } from './task-reader.js';
import { expandGroupTasks } from './group-tasks.js';

const FIELDS_TTL_MS = 30_000;
const FORGOTTEN = 'forgotten by dploy: its next network boot discovers it again';
export const OCS_USER_AGENT = `dploy/${VERSION}`;

export function createOcsPlatform(store: Store, intakeOptions: DiscoveryIntakeOptions = {}, schemaOptions: OcsSchemaOptions = {}): Platform {
  const { db } = store;
  if (store.target.dialect !== 'mysql') {
    throw new DployError('DPLOY_ERR_CONFIG', `platform ocs needs OCS's MariaDB/MySQL database (database.url mysql://…/ocsweb), not ${store.target.dialect}`);
  }
  // OCS's schema is read and checked once (check() at start, else the first
  // write): every write then uses the same column lists. An OCS upgraded
  // under a running dploy is seen at its next start (docs/ocs.md).
  let schema: Promise<OcsWriteColumns> | undefined;
  let columns: OcsWriteColumns | undefined;
  const ready = (): Promise<OcsWriteColumns> =>
    (schema ??= checkOcsDatabase(db.manager, schemaOptions)
      .then((found) => (columns = found.columns))
      .catch((err: unknown) => {
        schema = undefined;
        throw err;
      }));
  const written = (): OcsWriteColumns => {
    if (!columns) throw new Error('OCS platform: a write before its schema was read');
    return columns;
  };
  // The field numbers only change when someone edits administrative data, so
  // they are read again every 30 s instead of on every call.
  let cached: { fields: AdminFields; at: number } | undefined;
  const fields = async (tx: EntityManager): Promise<AdminFields> => {
    if (!cached || Date.now() - cached.at > FIELDS_TTL_MS) cached = { fields: await requireAdminFields(tx), at: Date.now() };
    return cached.fields;
  };

  // The ordinary path, one machine per transaction: what a failed group falls back to.
  const alone = (intake: Intake) =>
    retryOnUniqueViolation(() =>
      db.transaction(async (tx) => {
        const recorded = await recordIntake(tx, 'mysql', intake);
        await writeComputer(
          tx,
          recorded.host,
          machineRows(intake.inventory, recorded.host.name, OCS_USER_AGENT, intake.remoteAddress),
          intake.stored.received_at,
          written(),
        );
        return recorded;
      }),
    );
  // Concurrent discoveries share their round trips and their commit (store/discovery/group-commit.ts).
  const record = createDiscoveryIntake(db, alone, ocsComputerRows(OCS_USER_AGENT, written), intakeOptions);

  return {
    name: 'ocs',
    async check() {
      await ready();
      await requireAdminFields(db.manager);
    },
    recordInventory: async (inventory, document) => {
      if (!columns) await ready();
      return record(prepareIntake(inventory, document));
    },
    addHost: async (input) => {
      await ready();
      return db.transaction(async (tx) => {
        const host = await addHost(tx, input);
        // A machine OCS's agent already reported is linked, not duplicated.
        const known = await computerByMacs(tx, host.macs);
        if (known !== undefined) await linkHost(tx, host.id, String(known));
        else await writeComputer(tx, host, machineRows(bareInventory(host.macs, input.arch), host.name, OCS_USER_AGENT), new Date(), written());
        return host;
      });
    },
    async forgetHost(hostId, within) {
      const forget = async (tx: EntityManager) => {
        await getHost(tx, hostId);
        // The OCS computer stays (it is the operator's inventory); it only learns that dploy let go,
        // and its DPLOYTASK goes back to none so the next tick does not take "forget" again.
        await writeComputerStatus(tx, await fields(tx), hostId, FORGOTTEN, { task: 'forget' });
        await forgetHost(tx, hostId);
      };
      await (within ? forget(within) : db.transaction(forget));
    },
    // The console has only the task field: cancel, then the new task, is how a running job is replaced there.
    cancelAdvice: () => `to end it now, set ${FIELD.task} to cancel, then set the task again`,
    pendingTasks: () =>
      db.transaction(async (tx) => {
        const current = await fields(tx);
        const profiles = ((await tx.query('SELECT name FROM dploy_profiles UNION SELECT name FROM dploy_images')) as Array<{ name: string }>).map(
          (r) => r.name,
        );
        if ((await syncSelectValues(tx, profiles)) > 0) cached = { fields: await requireAdminFields(tx), at: Date.now() };
        const registered = cached?.fields ?? current;
        await restoreStatuses(tx, registered);
        await expandGroupTasks(tx, registered);
        return readPendingTasks(tx, registered);
      }),
    writeStatus: (hostId, status, options) => db.transaction(async (tx) => writeComputerStatus(tx, await fields(tx), hostId, status, options?.clearTask)),
  };
}

/** What a machine added by hand shows in OCS until it is discovered: its name and NICs. */
function bareInventory(macs: string[], arch: Inventory['arch'] | undefined): Inventory {
  return {
    source: 'dploy hosts add',
    arch: arch ?? 'unknown',
    system: {},
    firmware: {},
    cpus: [],
    memoryBytes: 0,
    memoryBanks: [],
    storageControllers: [],
    disks: [],
    nics: macs.map((mac) => ({ mac, virtual: false })),
  };
}

// The host tool dploy plugs into: OCS Inventory NG, HP SIM, or dploy's own
// tables (standalone). It is where machines appear for the operator, where the
// operator sets tasks, and where dploy writes status back. Everything else
// (jobs, boot states, inventories) lives in dploy's own tables, which every
// platform has — inside the host tool's database when it has one.

import type { EntityManager } from 'typeorm';
import type { RawDocument, RecordedMachine } from '../model/discovery.js';
import type { Host, NewHost } from '../model/host.js';
import type { Inventory } from '../model/inventory.js';
import type { TakenTask, TaskKind, TaskRequest } from '../model/task.js';

export type PlatformName = 'standalone' | 'ocs' | 'sim';

export interface Platform {
  readonly name: PlatformName;
  /** Fails with an actionable DployError when the host tool's database is not usable. */
  check(): Promise<void>;
  /** Writes a discovered machine, its raw document and the host tool's rows in one transaction. */
  recordInventory(inventory: Inventory, document: RawDocument): Promise<RecordedMachine>;
  /** Adds a machine by hand (MAC, name, optional BMC), for what cannot PXE-boot discovery. */
  addHost(input: NewHost): Promise<Host>;
  /**
   * Removes the machine from dploy so that its next network boot discovers it
   * again; the host tool's record stays and says so. Inside `within` when the
   * caller holds a transaction (the forget job's step).
   */
  forgetHost(hostId: number, within?: EntityManager): Promise<void>;
  /** How the operator ends a running job where they work, for the status of a task that waits for it. */
  cancelAdvice(jobId: number): string;
  /** Tasks the operator has set and that are not cleared yet. */
  pendingTasks(): Promise<TaskRequest[]>;
  /**
   * Sets a task from dploy's CLI/API. Standalone has no other way; on OCS and
   * SIM the operator normally uses the console, and a provider may leave this out.
   */
  setTask?(hostIds: number[], task: TaskKind, options: { profile?: string; image?: string }): Promise<void>;
  /**
   * Shows progress where the operator looks. clearTask: the job that took this
   * task ended, so the task field goes back to none, unless the operator set
   * another task meanwhile (that one runs next).
   */
  writeStatus(hostId: number, status: string, options?: { clearTask?: TakenTask }): Promise<void>;
}

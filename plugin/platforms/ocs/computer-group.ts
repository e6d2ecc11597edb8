// OCS's rows for a group of discoveries (store/discovery/discovery-group.ts). The
// group's probe (store/discovery/group-probe.ts) also finds, for each machine, the OCS
// computer it is: none when neither dploy nor OCS's networks know any of its
// facts, else the answer of linked-computer.ts (the same choice
// writeComputer makes for one machine). Then each computer is inserted or its sections replaced in the
// group's batch, the section rows of all of them in one INSERT per table.
// The known computers' lock rows are taken in one statement at the start of
// the batch and released in one after the last row: if OCS's server holds
// one, the batch fails whole, the rows dploy's part of it took are dropped
// (locks ignores ROLLBACK), and the machines are written alone, where
// lockComputer waits, takes over a dead server's lock or names the conflict.

import type { GroupMachine, HostToolRows } from '../../store/discovery/index.js';
import { linkedComputerFor, linkedComputerStatement, type LinkedComputer } from './linked-computer.js';
import { machineRows } from './machine-rows.js';
import { appendInsertComputer, appendUpdateComputer } from './machine-writer.js';
import { dropOwnLocks, releaseLocksStatement, takeLocksStatement } from './ocs-locks.js';
import type { OcsWriteColumns } from './ocs-schema.js';

type Linked = LinkedComputer | undefined;

const knownComputers = (machines: Array<GroupMachine<Linked>>): number[] => machines.flatMap(({ state }) => (state ? [state.id] : []));

/** `columns()`: the columns this OCS has, resolved before the first group is written. */
export function ocsComputerRows(userAgent: string, columns: () => OcsWriteColumns): HostToolRows<Linked> {
  return {
    // A MAC OCS has (its agent reported the machine before it PXE-booted) takes the machine to the full probe.
    macColumn: { table: 'networks', column: 'MACADDR' },
    probe: ({ identity }) => linkedComputerStatement(identity),
    state: linkedComputerFor,
    append(batch, machines) {
      const known = knownComputers(machines);
      if (known.length > 0) {
        const take = takeLocksStatement(known);
        batch.add(take.sql, take.params);
      }
      return machines.map(({ plan, host, state: linked }, slot) => {
        const { inventory, remoteAddress, stored } = plan.intake;
        const rows = machineRows(inventory, host.name, userAgent, remoteAddress);
        if (linked !== undefined) {
          appendUpdateComputer(batch, linked, rows, columns());
          return `'${Number(linked.id)}'`;
        }
        const hidVar = `@dploy_hid_${slot}`;
        appendInsertComputer(batch, hidVar, rows, stored.received_at, columns());
        return `CAST(${hidVar} AS CHAR)`;
      });
    },
    finish(batch, machines) {
      const known = knownComputers(machines);
      if (known.length === 0) return;
      const release = releaseLocksStatement(known);
      batch.add(release.sql, release.params);
    },
    rolledBack: (tx, machines) => dropOwnLocks(tx, knownComputers(machines)),
  };
}

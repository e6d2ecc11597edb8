// OCS's rows for a group of discoveries (store/discovery-group.ts). The
// group's probe round trip also finds, for each machine, the OCS computer it
// is (linked-computer.ts, the same choice writeComputer makes for one
// machine). Then each computer is inserted
// or its sections replaced in the group's batch. A known computer's lock row
// is taken in the batch itself: if OCS's server holds it, the batch fails
// whole and the machine is written alone, where lockComputer waits, takes
// over a dead server's lock or names the conflict.

import type { HostToolRows } from '../../store/discovery-group.js';
import { linkedComputerFor, linkedComputerStatement, type LinkedComputer } from './linked-computer.js';
import { machineRows } from './machine-rows.js';
import { appendInsertComputer, appendUpdateComputer } from './machine-writer.js';

export function ocsComputerRows(userAgent: string): HostToolRows<LinkedComputer | undefined> {
  return {
    probe: ({ identity }) => linkedComputerStatement(identity),
    state: linkedComputerFor,
    append(batch, plan, host, linked, slot) {
      const { inventory, remoteAddress, stored } = plan.intake;
      const rows = machineRows(inventory, host.name, userAgent, remoteAddress);
      if (linked === undefined) appendInsertComputer(batch, host.idSql, `@dploy_hid_${slot}`, rows, stored.received_at);
      else appendUpdateComputer(batch, host.idSql, linked, rows, { lock: true });
    },
  };
}

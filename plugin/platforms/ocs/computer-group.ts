// OCS's rows for a group of discoveries (store/discovery-group.ts): one read
// finds every machine's linked computer, then each machine's computer is
// inserted or its sections replaced in the group's batch. A known computer's
// lock row is taken in the batch itself: if OCS's server holds it, the batch
// fails whole and the machine is written alone, where lockComputer waits,
// takes over a dead server's lock or names the conflict.

import type { HostToolRows } from '../../store/discovery-group.js';
import { SqlBatch } from '../../store/sql-batch.js';
import { machineRows } from './machine-rows.js';
import { appendInsertComputer, appendUpdateComputer, linkedComputerStatement, linkedFromRows, type LinkedComputer, type LinkedRow } from './machine-writer.js';

export function ocsComputerRows(userAgent: string): HostToolRows<LinkedComputer | undefined> {
  return {
    async read(tx, hosts) {
      const reads = new SqlBatch();
      for (const host of hosts) {
        const { sql, params } = linkedComputerStatement(host.id, host.macs);
        reads.add(sql, params);
      }
      return (await reads.run(tx) as LinkedRow[][]).map(linkedFromRows);
    },
    append(batch, plan, host, linked, slot) {
      const { inventory, remoteAddress, stored } = plan.intake;
      const rows = machineRows(inventory, host.name, userAgent, remoteAddress);
      if (linked === undefined) appendInsertComputer(batch, host.idSql, `@dploy_hid_${slot}`, rows, stored.received_at);
      else appendUpdateComputer(batch, host.idSql, linked, rows, { lock: true });
    },
  };
}

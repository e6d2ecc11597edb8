// OCS's rows for a group of discoveries (store/discovery-group.ts). The
// group's probe round trip also finds, for each machine, the OCS computer it
// may be: the computer linked to any candidate host (dploy_hosts.platform_ref),
// and the computers OCS's agent reported with one of its MACs — the same
// choice writeComputer makes for one machine. Then each computer is inserted
// or its sections replaced in the group's batch. A known computer's lock row
// is taken in the batch itself: if OCS's server holds it, the batch fails
// whole and the machine is written alone, where lockComputer waits, takes
// over a dead server's lock or names the conflict.

import type { HostToolRows } from '../../store/discovery-group.js';
import { candidateLookups } from '../../store/host-identity.js';
import { machineRows } from './machine-rows.js';
import { appendInsertComputer, appendUpdateComputer, isDployAgent, NOT_COMPUTERS, type LinkedComputer } from './machine-writer.js';

interface ComputerRow { host_id: number | null; mac: string | null; id: number; agent: string | null; pri: number }

export function ocsComputerRows(userAgent: string): HostToolRows<LinkedComputer | undefined> {
  return {
    probe({ identity }) {
      const params: string[] = [];
      const mark = (value: string) => {
        params.push(value);
        return '?';
      };
      const linked = `SELECT d.id AS host_id, NULL AS mac, h.ID AS id, h.USERAGENT AS agent, 0 AS pri, h.LASTDATE AS seen
        FROM (${candidateLookups(identity, mark)}) c JOIN dploy_hosts d ON d.id = c.id JOIN hardware h ON h.ID = CAST(d.platform_ref AS UNSIGNED)`;
      // The inventory's MACs and those a candidate host had before (a known machine's host.macs).
      const macs = `SELECT ${identity.macs.map(mark).join(' UNION SELECT ')} UNION SELECT m.mac FROM dploy_host_macs m JOIN (${candidateLookups(identity, mark)}) c2 ON c2.id = m.host_id`;
      const byMac = `SELECT NULL AS host_id, LOWER(n.MACADDR) AS mac, h.ID AS id, h.USERAGENT AS agent, 1 AS pri, h.LASTDATE AS seen
        FROM networks n JOIN hardware h ON h.ID = n.HARDWARE_ID
        WHERE n.MACADDR IN (${macs}) AND h.DEVICEID NOT IN ${NOT_COMPUTERS} AND n.MACADDR NOT IN (SELECT MACADDRESS FROM blacklist_macaddresses)`;
      return { sql: `${linked} UNION ALL ${byMac} ORDER BY pri, seen DESC, id DESC`, params };
    },
    state(rows, host) {
      const found = (rows as ComputerRow[]).find((r) => (Number(r.pri) === 0 ? host.id !== null && Number(r.host_id) === host.id : host.macs.includes(r.mac ?? '')));
      return found ? { id: Number(found.id), ownedByDploy: isDployAgent(found.agent) } : undefined;
    },
    append(batch, plan, host, linked, slot) {
      const { inventory, remoteAddress, stored } = plan.intake;
      const rows = machineRows(inventory, host.name, userAgent, remoteAddress);
      if (linked === undefined) appendInsertComputer(batch, host.idSql, `@dploy_hid_${slot}`, rows, stored.received_at);
      else appendUpdateComputer(batch, host.idSql, linked, rows, { lock: true });
    },
  };
}

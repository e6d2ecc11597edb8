// OCS's rows for a group of discoveries (store/discovery-group.ts). The
// group's probe round trip also finds, for each machine, the OCS computer it
// may be: the computer linked to any candidate host (dploy_hosts.platform_ref),
// and the computers OCS's agent reported with one of its MACs or one a
// candidate host had before — the same choice writeComputer makes for one
// machine. (networks.MACADDR is utf8mb3 in OCS's schema, dploy's MACs utf8mb4:
// they are converted to OCS's side so its index is used.) Then each computer is inserted
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
      const reported = `SELECT NULL AS host_id, LOWER(n.MACADDR) AS mac, h.ID AS id, h.USERAGENT AS agent, 1 AS pri, h.LASTDATE AS seen
        FROM networks n JOIN hardware h ON h.ID = n.HARDWARE_ID`;
      const computers = `h.DEVICEID NOT IN ${NOT_COMPUTERS} AND n.MACADDR NOT IN (SELECT MACADDRESS FROM blacklist_macaddresses)`;
      // Every branch is driven by an index (networks.MACADDR among them): a scan of networks grows with the site.
      return {
        sql: `SELECT d.id AS host_id, NULL AS mac, h.ID AS id, h.USERAGENT AS agent, 0 AS pri, h.LASTDATE AS seen
            FROM (${candidateLookups(identity, mark)}) c JOIN dploy_hosts d ON d.id = c.id JOIN hardware h ON h.ID = CAST(d.platform_ref AS UNSIGNED)
          UNION ALL ${reported} WHERE n.MACADDR IN (${identity.macs.map(mark).join(', ')}) AND ${computers}
          UNION ALL ${reported.replace('FROM networks n', `FROM (${candidateLookups(identity, mark)}) c2 JOIN dploy_host_macs m ON m.host_id = c2.id
            JOIN networks n ON n.MACADDR = CONVERT(m.mac USING utf8mb3) COLLATE utf8mb3_general_ci`)} WHERE ${computers}
          ORDER BY pri, seen DESC, id DESC`,
        params,
      };
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

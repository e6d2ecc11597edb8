// Which OCS computer a machine is: the computer linked to its dploy host
// (dploy_hosts.platform_ref), else the newest one OCS's agent reported with
// one of the host's MACs (a machine the agent knew before it PXE-booted).
// One statement, for one machine (machine-writer.ts) and inside a discovery
// group's probe (computer-group.ts), where the host may not be inserted yet:
// it answers for every host the identity's lookups can find, and
// linkedComputerFor() picks the chosen host's answer.
//
// Every branch is driven by an index (networks.MACADDR among them): a scan of
// networks grows with the site (it took 4.4 ms per machine at 3,000
// computers). networks.MACADDR is utf8mb3 in OCS's schema and dploy's MACs
// utf8mb4: dploy's side is converted so OCS's index is used.

import type { Identity } from '../../inventory/index.js';
import { candidateLookups } from '../../store/discovery/index.js';

export interface LinkedComputer {
  id: number;
  ownedByDploy: boolean;
}

interface ComputerRow {
  host_id: number | null;
  mac: string | null;
  id: number;
  agent: string | null;
  pri: number;
}

export const NOT_COMPUTERS = "('_SYSTEMGROUP_', '_DOWNLOADGROUP_')";

/** A computer OCS's agent reported with a MAC, as a row of the statement below. */
const REPORTED = `SELECT NULL AS host_id, LOWER(n.MACADDR) AS mac, h.ID AS id, h.USERAGENT AS agent, 1 AS pri, h.LASTDATE AS seen
    FROM networks n JOIN hardware h ON h.ID = n.HARDWARE_ID`;
const COMPUTERS = `h.DEVICEID NOT IN ${NOT_COMPUTERS} AND n.MACADDR NOT IN (SELECT MACADDRESS FROM blacklist_macaddresses)`;
/** The order linkedComputerFor() takes the first row of: dploy's link, then the newest reported computer. */
const PREFERRED = 'ORDER BY pri, seen DESC, id DESC';

export function linkedComputerStatement(identity: Pick<Identity, 'macs' | 'uuid' | 'serial'>): { sql: string; params: string[] } {
  const params: string[] = [];
  const mark = (value: string) => {
    params.push(value);
    return '?';
  };
  // Placeholders are bound in text order: each part is built where it stands in the statement.
  const linked = `SELECT d.id AS host_id, NULL AS mac, h.ID AS id, h.USERAGENT AS agent, 0 AS pri, h.LASTDATE AS seen
    FROM (${candidateLookups(identity, mark)}) c JOIN dploy_hosts d ON d.id = c.id JOIN hardware h ON h.ID = CAST(d.platform_ref AS UNSIGNED)`;
  const byMac = identity.macs.length === 0 ? '' : `UNION ALL ${REPORTED} WHERE n.MACADDR IN (${identity.macs.map(mark).join(', ')}) AND ${COMPUTERS}`;
  const byOldMac = `UNION ALL ${REPORTED.replace(
    'FROM networks n',
    `FROM (${candidateLookups(identity, mark)}) c2 JOIN dploy_host_macs m ON m.host_id = c2.id
    JOIN networks n ON n.MACADDR = CONVERT(m.mac USING utf8mb3) COLLATE utf8mb3_general_ci`,
  )} WHERE ${COMPUTERS}`;
  return { sql: `${linked} ${byMac} ${byOldMac} ${PREFERRED}`, params };
}

/** The answer for one host (id null: not inserted yet) with these MACs. */
export function linkedComputerFor(rows: unknown[], host: { id: number | null; macs: readonly string[] }): LinkedComputer | undefined {
  const found = (rows as ComputerRow[]).find((r) =>
    Number(r.pri) === 0 ? host.id !== null && Number(r.host_id) === host.id : host.macs.includes(r.mac ?? ''),
  );
  return found ? { id: Number(found.id), ownedByDploy: isDployAgent(found.agent) } : undefined;
}

const isDployAgent = (agent: string | null): boolean => agent?.startsWith('dploy/') ?? false;

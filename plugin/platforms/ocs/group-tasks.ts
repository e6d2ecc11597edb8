// A task set on an OCS group's own record (its `hardware` row, DEVICEID
// _SYSTEMGROUP_, and that row's accountinfo) is handed to the group's members,
// as the console's mass processing of the members writes it: each member's
// DPLOYTASK, DPLOYPROFILE and DPLOYCOMMAND take the group's values, and the group's own task
// goes back to none with a status saying how many got it. The members are the
// group's cache (groups_cache: static members, and a dynamic group's last
// computed ones), less the ones excluded from it (STATIC 2). From there each
// member is an ordinary task, read in the same tick.

import type { EntityManager } from 'typeorm';
import { valueNumber, type AdminFields } from './admin-fields.js';

interface GroupTask {
  gid: number;
  task: string;
  what: string | null;
  command?: string | null;
}

const EXCLUDED = 2;

export async function expandGroupTasks(tx: EntityManager, fields: AdminFields): Promise<number> {
  const none = valueNumber(fields.taskValues, 'none');
  const numbers = [...fields.taskValues].filter(([, label]) => label !== 'none').map(([n]) => String(n));
  if (none === undefined || numbers.length === 0) return 0;
  // The task index drives it; a group is a hardware row found by its primary key.
  const groups = (await tx.query(
    `SELECT a.HARDWARE_ID AS gid, a.${fields.taskColumn} AS task, a.${fields.profileColumn} AS what${fields.commandColumn ? `, a.${fields.commandColumn} AS command` : ''} FROM accountinfo a
     JOIN hardware h ON h.ID = a.HARDWARE_ID AND h.DEVICEID = '_SYSTEMGROUP_'
     WHERE a.${fields.taskColumn} IN (${numbers.map(() => '?').join(', ')})`,
    numbers,
  )) as GroupTask[];
  for (const group of groups) {
    const members = `SELECT HARDWARE_ID FROM groups_cache WHERE GROUP_ID = ? AND NOT (STATIC <=> ${EXCLUDED})`;
    await tx.query(`INSERT IGNORE INTO accountinfo (HARDWARE_ID, TAG) SELECT HARDWARE_ID, 'NA' FROM (${members}) m`, [group.gid]);
    const command = fields.commandColumn ? `, a.${fields.commandColumn} = ?` : '';
    await tx.query(
      `UPDATE accountinfo a JOIN (${members}) m ON m.HARDWARE_ID = a.HARDWARE_ID SET a.${fields.taskColumn} = ?, a.${fields.profileColumn} = ?${command}`,
      [group.gid, String(group.task), group.what, ...(fields.commandColumn ? [group.command ?? null] : [])],
    );
    const [{ n: count } = { n: 0 }] = (await tx.query(`SELECT COUNT(*) AS n FROM (${members}) m`, [group.gid])) as Array<{ n: number }>;
    const label = fields.taskValues.get(Number(group.task)) ?? String(group.task);
    const status = `${label} handed to the group's ${Number(count)} member(s); each member's DPLOYSTATUS follows it`;
    await tx.query(`UPDATE accountinfo SET ${fields.taskColumn} = ?, ${fields.statusColumn} = ? WHERE HARDWARE_ID = ?`, [String(none), status, group.gid]);
  }
  return groups.length;
}

// Progress back where the operator looks: DPLOYSTATUS in words, and the
// DPLOYTASK field reset to "none" when the job ends. The reset only happens
// while the field still holds the task that job took, so a task the operator
// set meanwhile is kept and runs next.

import type { EntityManager } from 'typeorm';
import type { TakenTask } from '../../model/task.js';
import { hostLink, linkHost } from '../../store/host-links.js';
import { keepStatusWords } from '../../store/tasks.js';
import { computerByMacs } from './adopt.js';
import { valueNumber, type AdminFields } from './admin-fields.js';

export async function writeComputerStatus(tx: EntityManager, fields: AdminFields, hostId: number, status: string, clear?: TakenTask): Promise<void> {
  const ref = await hostLink(tx, hostId);
  if (ref === undefined) return;
  const words = status.slice(0, 255);
  // What dploy saw last in the field is forgotten with it; a newer value stays to be taken next tick.
  await keepStatusWords(tx, hostId, words, clear);
  const hid = await computerOf(tx, hostId, ref);
  if (hid === undefined) return;
  const sets = [`${fields.statusColumn} = ?`];
  const params: Array<string | null> = [words];
  const reset = clear ? resetWhenUnchanged(fields, clear) : undefined;
  if (reset) {
    sets.push(reset.sql);
    params.push(...reset.params);
  }
  const result = (await tx.query(`UPDATE accountinfo SET ${sets.join(', ')} WHERE HARDWARE_ID = ?`, [...params, hid])) as { affectedRows?: number };
  if (!result.affectedRows) await tx.query(`INSERT IGNORE INTO accountinfo (HARDWARE_ID, TAG, ${fields.statusColumn}) VALUES (?, 'NA', ?)`, [hid, words]);
}

/**
 * DPLOYSTATUS is dploy's to write, but the console's detail page saves every
 * field of the dploy tab together, so saving a new task writes back the
 * status as it was when the page was loaded. dploy keeps its last words in
 * dploy_hosts.status and puts them back each runner tick. The differences are
 * found by a plain read (no row locks on OCS's accountinfo while the console
 * and OCS's server write it; ~0.1 s of MariaDB at 20,000 hosts), and each is
 * written only if the console has not changed it again since.
 */
export async function restoreStatuses(tx: EntityManager, fields: AdminFields): Promise<number> {
  const stale = (await tx.query(
    `SELECT a.HARDWARE_ID AS hid, a.${fields.statusColumn} AS shown, h.status FROM dploy_hosts h
     JOIN accountinfo a ON a.HARDWARE_ID = CAST(h.platform_ref AS UNSIGNED)
     WHERE h.platform_ref IS NOT NULL AND h.status IS NOT NULL AND NOT (a.${fields.statusColumn} <=> h.status)`,
  )) as Array<{ hid: number; shown: string | null; status: string }>;
  for (const row of stale) {
    await tx.query(`UPDATE accountinfo SET ${fields.statusColumn} = ? WHERE HARDWARE_ID = ? AND ${fields.statusColumn} <=> ?`, [
      row.status,
      row.hid,
      row.shown,
    ]);
  }
  return stale.length;
}

/** DPLOYTASK (and DPLOYPROFILE, when the task named one) compared in the same statement that writes the status. */
function resetWhenUnchanged(fields: AdminFields, clear: TakenTask): { sql: string; params: Array<string | null> } | undefined {
  const none = valueNumber(fields.taskValues, 'none');
  const taken = valueNumber(fields.taskValues, clear.task);
  if (none === undefined || taken === undefined) return undefined;
  let when = `${fields.taskColumn} = ?`;
  const params: Array<string | null> = [String(taken)];
  if (clear.what) {
    const what = valueNumber(fields.profileValues, clear.what);
    when += ` AND ${fields.profileColumn} <=> ?`;
    params.push(what === undefined ? null : String(what));
  }
  return { sql: `${fields.taskColumn} = CASE WHEN ${when} THEN ? ELSE ${fields.taskColumn} END`, params: [...params, String(none)] };
}

/** The computer linked to the host; after an OCS duplicate merge the link is found again by MAC. */
async function computerOf(tx: EntityManager, hostId: number, ref: string | null): Promise<number | undefined> {
  if (ref) {
    const [row] = (await tx.query('SELECT ID FROM hardware WHERE ID = ?', [Number(ref)])) as Array<{ ID: number }>;
    if (row) return Number(row.ID);
  }
  const macs = ((await tx.query('SELECT mac FROM dploy_host_macs WHERE host_id = ?', [hostId])) as Array<{ mac: string }>).map((r) => r.mac);
  const hid = await computerByMacs(tx, macs);
  if (hid === undefined) return undefined;
  await linkHost(tx, hostId, String(hid));
  return hid;
}

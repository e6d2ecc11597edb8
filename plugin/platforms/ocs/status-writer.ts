// Progress back where the operator looks: DPLOYSTATUS in words, and the
// DPLOYTASK field reset to "none" when the job ends. The reset only happens
// while the field still holds the task dploy took, so a new task the
// operator set meanwhile is never wiped.

import type { EntityManager } from 'typeorm';
import { computerByMacs } from './adopt.js';
import { valueNumber, type AdminFields } from './admin-fields.js';

export async function writeComputerStatus(tx: EntityManager, fields: AdminFields, hostId: number, status: string, clearTask: boolean): Promise<void> {
  const [host] = await tx.query('SELECT platform_ref, task FROM dploy_hosts WHERE id = ?', [hostId]) as Array<{ platform_ref: string | null; task: string | null }>;
  if (!host) return;
  const words = status.slice(0, 255);
  await tx.query(
    `UPDATE dploy_hosts SET status = ?${clearTask ? ', task = NULL, task_profile = NULL, task_set_at = NULL' : ''} WHERE id = ?`, [words, hostId],
  );
  const hid = await computerOf(tx, hostId, host.platform_ref);
  if (hid === undefined) return;
  const sets = [`${fields.statusColumn} = ?`];
  const params: Array<string | number> = [words];
  const none = valueNumber(fields.taskValues, 'none');
  const taken = host.task ? valueNumber(fields.taskValues, host.task) : undefined;
  if (clearTask && none !== undefined && taken !== undefined) {
    // CASE keeps one statement: the status is always written, the task only reset if unchanged.
    sets.push(`${fields.taskColumn} = CASE WHEN ${fields.taskColumn} = ? THEN ? ELSE ${fields.taskColumn} END`);
    params.push(String(taken), String(none));
  }
  const result = await tx.query(`UPDATE accountinfo SET ${sets.join(', ')} WHERE HARDWARE_ID = ?`, [...params, hid]) as { affectedRows?: number };
  if (!result.affectedRows) await tx.query(`INSERT IGNORE INTO accountinfo (HARDWARE_ID, TAG, ${fields.statusColumn}) VALUES (?, 'NA', ?)`, [hid, words]);
}

/** The computer linked to the host; after an OCS duplicate merge the link is found again by MAC. */
async function computerOf(tx: EntityManager, hostId: number, ref: string | null): Promise<number | undefined> {
  if (ref) {
    const [row] = await tx.query('SELECT ID FROM hardware WHERE ID = ?', [Number(ref)]) as Array<{ ID: number }>;
    if (row) return Number(row.ID);
  }
  const macs = (await tx.query('SELECT mac FROM dploy_host_macs WHERE host_id = ?', [hostId]) as Array<{ mac: string }>).map((r) => r.mac);
  const hid = await computerByMacs(tx, macs);
  if (hid === undefined) return undefined;
  await tx.query('UPDATE dploy_hosts SET platform_ref = ? WHERE id = ?', [String(hid), hostId]);
  return hid;
}

// Reading the tasks operators set in the OCS console. One indexed query on
// accountinfo per tick (the dploy_task index on the task column) finds every
// computer whose DPLOYTASK is a real task; dploy_hosts.task/task_profile/
// task_set_at hold what dploy saw last, so a value that is new or changed
// gets "now" as the time it was set (OCS writes no timestamp), and a value
// the operator reset is forgotten. The console's mass processing writes the
// same field for a selection or for a group's members, so a group task
// arrives here as one task per member.

import type { EntityManager } from 'typeorm';
import type { TaskRequest } from '../../model/task.js';
import { toDate } from '../../store/host-rows.js';
import { selectIn } from '../../store/bulk-insert.js';
import { forgetHostTasks, hostsWithTask, mirrorHostTask } from '../../store/tasks.js';
import { forgetRemoteCommand, remoteCommandFor, setRemoteCommand } from '../../store/remote-commands.js';
import { adoptComputers } from './adopt.js';
import { taskOf, type AdminFields } from './admin-fields.js';

interface Pending {
  hid: number;
  task: string | number | null;
  what: string | number | null;
  command?: string | number | null;
}
interface Mirror {
  id: number;
  platform_ref: string;
  task: string | null;
  task_profile: string | null;
  task_set_at: Date | string | null;
}

const CHUNK = 1000;
const NO_MAC = 'refused: OCS knows no usable MAC address for this computer, so dploy cannot network-boot it (run its agent or discover it by PXE)';

export async function readPendingTasks(tx: EntityManager, fields: AdminFields, now = new Date()): Promise<TaskRequest[]> {
  const taskNumbers = [...fields.taskValues].filter(([, label]) => label !== 'none').map(([n]) => String(n));
  const pending =
    taskNumbers.length === 0
      ? []
      : ((await tx.query(
          `SELECT HARDWARE_ID AS hid, ${fields.taskColumn} AS task, ${fields.profileColumn} AS what${fields.commandColumn ? `, ${fields.commandColumn} AS command` : ''} FROM accountinfo WHERE ${fields.taskColumn} IN (${taskNumbers.map(() => '?').join(', ')})`,
          taskNumbers,
        )) as Pending[]);
  const hostByComputer = new Map<number, Mirror>();
  for (let i = 0; i < pending.length; i += CHUNK) {
    const refs = pending.slice(i, i + CHUNK).map((p) => String(p.hid));
    const rows = await selectIn<Mirror>(tx, 'mysql', 'dploy_hosts', ['id', 'platform_ref', 'task', 'task_profile', 'task_set_at'], 'platform_ref', refs);
    for (const row of rows) hostByComputer.set(Number(row.platform_ref), row);
  }
  const strangers = pending.filter((p) => !hostByComputer.has(Number(p.hid))).map((p) => Number(p.hid));
  for (const row of await adoptComputers(tx, strangers, now)) hostByComputer.set(Number(row.platform_ref), row);
  // A computer without a usable MAC cannot network-boot: say so where the operator set the task.
  const orphans = strangers.filter((hid) => !hostByComputer.has(hid));
  if (orphans.length > 0) {
    await tx.query(
      `UPDATE accountinfo SET ${fields.statusColumn} = ? WHERE HARDWARE_ID IN (${orphans.map(() => '?').join(', ')}) AND NOT (${fields.statusColumn} <=> ?)`,
      [NO_MAC, ...orphans, NO_MAC],
    );
  }

  const requests: TaskRequest[] = [];
  const seen = new Set<number>();
  for (const p of pending) {
    const task = taskOf(fields, p.task);
    const host = hostByComputer.get(Number(p.hid));
    if (!task || !host) continue;
    const what = p.what === null || p.what === '' ? null : (fields.profileValues.get(Number(p.what)) ?? null);
    let setAt = host.task_set_at ? toDate(host.task_set_at) : undefined;
    if (host.task !== task || host.task_profile !== what || !setAt) {
      setAt = now;
      await mirrorHostTask(tx, Number(host.id), task, what, now);
    }
    seen.add(Number(host.id));
    if (task === 'command') await takeCommand(tx, fields, Number(host.id), p.command);
    const request: TaskRequest = { hostId: Number(host.id), task, setAt };
    // DPLOYPROFILE often still holds the last install's profile: it only means something to these tasks.
    if (what && (task === 'restore' || task === 'image')) request.image = what;
    else if (what && (task === 'install' || task === 'rebuild')) request.profile = what;
    requests.push(request);
  }
  // The operator reset the field (or the computer went away): forget what was seen.
  await forgetHostTasks(
    tx,
    (await hostsWithTask(tx)).filter((id) => !seen.has(id)),
  );
  return requests;
}

/**
 * DPLOYCOMMAND's chosen value becomes the command the job runs; written only when it changed, so a job
 * running it keeps its slot. None chosen drops a command left from an earlier task, and the job fails
 * asking for one.
 */
async function takeCommand(tx: EntityManager, fields: AdminFields, hostId: number, stored: string | number | null | undefined): Promise<void> {
  const command = stored === null || stored === undefined || stored === '' ? undefined : fields.commandValues.get(Number(stored));
  if (command === undefined) return forgetRemoteCommand(tx, hostId);
  if ((await remoteCommandFor(tx, hostId))?.command !== command) await setRemoteCommand(tx, [hostId], command);
}

// A computer with a dploy task that dploy has no host for. Two cases:
// - OCS merged a dploy-discovered computer into the one its agent reported
//   after install (Duplicate.pm keeps the agent's new hardware ID and moves
//   accountinfo there): the host owning one of its MACs is re-linked.
// - A machine only OCS's agent ever reported (an existing server to
//   reinstall): dploy creates its host from the computer's NAME, UUID,
//   serial and MACs, so the operator can task any computer in the console.
// A computer without a usable MAC cannot network-boot and is left alone.

import type { EntityManager } from 'typeorm';
import { isUsableMac, normalizeMac } from '../../model/mac.js';
import { hostNameProblem } from '../../model/host-name.js';
import { insertHost } from '../../store/hosts.js';
import { linkHost } from '../../store/host-links.js';

export interface LinkedHost {
  id: number;
  platform_ref: string;
  task: string | null;
  task_profile: string | null;
  task_set_at: Date | string | null;
}

export async function adoptComputers(tx: EntityManager, hardwareIds: number[], now: Date): Promise<LinkedHost[]> {
  const linked: LinkedHost[] = [];
  for (const hid of hardwareIds) {
    const host = await adoptComputer(tx, hid, now);
    if (host) linked.push(host);
  }
  return linked;
}

/** Links the computer to a dploy host, found or created; undefined when it has no usable MAC. */
export async function adoptComputer(tx: EntityManager, hid: number, now: Date): Promise<LinkedHost | undefined> {
  const macs = await computerMacs(tx, hid);
  if (macs.length === 0) return undefined;
  const [owner] = (await tx.query(
    `SELECT h.id, h.task, h.task_profile, h.task_set_at FROM dploy_host_macs m JOIN dploy_hosts h ON h.id = m.host_id WHERE m.mac IN (${macs.map(() => '?').join(', ')}) ORDER BY h.id LIMIT 1`,
    macs,
  )) as Array<Omit<LinkedHost, 'platform_ref'>>;
  if (owner) {
    await linkHost(tx, Number(owner.id), String(hid));
    return { ...owner, id: Number(owner.id), platform_ref: String(hid) };
  }
  const [computer] = (await tx.query(
    'SELECT h.NAME AS name, h.UUID AS uuid, b.SSN AS serial FROM hardware h LEFT JOIN bios b ON b.HARDWARE_ID = h.ID WHERE h.ID = ?',
    [hid],
  )) as Array<{ name: string | null; uuid: string | null; serial: string | null }>;
  const name = await freeHostName(tx, computer?.name?.toLowerCase(), macs[0]!);
  const host = await insertHost(
    tx,
    name,
    macs,
    {
      platformRef: String(hid),
      ...(computer?.uuid && /^[0-9a-f-]{36}$/i.test(computer.uuid) ? { uuid: computer.uuid.toLowerCase() } : {}),
      ...(computer?.serial ? { serial: computer.serial.slice(0, 128) } : {}),
    },
    now,
  );
  return { id: host.id, platform_ref: String(hid), task: null, task_profile: null, task_set_at: null };
}

/** The OCS computer (not a group) that reported one of these MACs most recently. */
export async function computerByMacs(tx: EntityManager, macs: readonly string[]): Promise<number | undefined> {
  if (macs.length === 0) return undefined;
  // OCS's tables use a case-insensitive collation: agent-written MACs in either case match.
  const [row] = (await tx.query(
    `SELECT n.HARDWARE_ID AS hid FROM networks n JOIN hardware h ON h.ID = n.HARDWARE_ID
     WHERE n.MACADDR IN (${macs.map(() => '?').join(', ')}) AND h.DEVICEID NOT IN ('_SYSTEMGROUP_', '_DOWNLOADGROUP_')
       AND n.MACADDR NOT IN (SELECT MACADDRESS FROM blacklist_macaddresses)
     ORDER BY h.LASTDATE DESC, h.ID DESC LIMIT 1`,
    [...macs],
  )) as Array<{ hid: number }>;
  return row ? Number(row.hid) : undefined;
}

/** The computer's NIC MACs as dploy writes them, blacklisted (generic) ones left out. */
export async function computerMacs(tx: EntityManager, hid: number): Promise<string[]> {
  const rows = (await tx.query(
    `SELECT MACADDR AS mac FROM networks WHERE HARDWARE_ID = ? AND (VIRTUALDEV IS NULL OR VIRTUALDEV = 0)
       AND MACADDR NOT IN (SELECT MACADDRESS FROM blacklist_macaddresses) ORDER BY ID`,
    [hid],
  )) as Array<{ mac: string | null }>;
  const macs = rows.map((r) => normalizeMac(r.mac ?? '')).filter((m): m is string => m !== undefined && isUsableMac(m));
  return [...new Set(macs)];
}

async function freeHostName(tx: EntityManager, wanted: string | undefined, mac: string): Promise<string> {
  if (wanted && !hostNameProblem(wanted)) {
    const [taken] = (await tx.query('SELECT id FROM dploy_hosts WHERE name = ?', [wanted])) as unknown[];
    if (!taken) return wanted;
  }
  return `host-${mac.replace(/:/g, '')}`;
}

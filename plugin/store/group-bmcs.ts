// dploy_group_bmcs: a group's BMC defaults (driver, user, sealed password,
// port and TLS options) for member hosts that know where their BMC is but were
// given no credentials of their own. Like dploy_host_bmcs, the password column
// only ever holds a sealed value.

import type { EntityManager } from 'typeorm';
import type { PowerDriverName } from '../power/driver.js';

export interface StoredGroupBmc {
  groupId: number;
  driver: PowerDriverName;
  /** Undefined: the driver's own port. */
  port?: number;
  user: string;
  passwordSealed: string;
  options?: string;
}

interface GroupBmcRow {
  group_id: number;
  driver: string;
  port: number | null;
  bmc_user: string;
  password_sealed: string;
  options: string | null;
  updated_at: Date | string;
}

export async function writeGroupBmc(db: EntityManager, bmc: StoredGroupBmc): Promise<void> {
  await db.getRepository<GroupBmcRow>('GroupBmc').upsert(
    {
      group_id: bmc.groupId,
      driver: bmc.driver,
      port: bmc.port ?? null,
      bmc_user: bmc.user,
      password_sealed: bmc.passwordSealed,
      options: bmc.options ?? null,
      updated_at: new Date(),
    },
    ['group_id'],
  );
}

export async function removeGroupBmc(db: EntityManager, groupId: number): Promise<boolean> {
  return ((await db.getRepository<GroupBmcRow>('GroupBmc').delete({ group_id: groupId })).affected ?? 0) > 0;
}

function fromRow(row: GroupBmcRow): StoredGroupBmc {
  return {
    groupId: Number(row.group_id),
    driver: row.driver as PowerDriverName,
    ...(row.port == null ? {} : { port: Number(row.port) }),
    user: row.bmc_user,
    passwordSealed: row.password_sealed,
    ...(row.options ? { options: row.options } : {}),
  };
}

export async function readGroupBmc(db: EntityManager, groupId: number): Promise<StoredGroupBmc | undefined> {
  const row = await db.getRepository<GroupBmcRow>('GroupBmc').findOneBy({ group_id: groupId });
  return row ? fromRow(row) : undefined;
}

/**
 * The defaults a host inherits: those of its group with the lowest id that has
 * any (the rule SSH group defaults follow, store/remote-access.ts), with that
 * group's name for `hosts show`.
 */
export async function groupBmcForHost(db: EntityManager, hostId: number): Promise<(StoredGroupBmc & { groupName: string }) | undefined> {
  const rows = await db.query(
    `SELECT b.*, g.name AS group_name FROM dploy_group_bmcs b
       JOIN dploy_group_members m ON m.group_id = b.group_id
       JOIN dploy_groups g ON g.id = b.group_id
      WHERE m.host_id = ${Number(hostId)}
      ORDER BY b.group_id LIMIT 1`,
  );
  const row = (rows as Array<GroupBmcRow & { group_name: string }>)[0];
  return row ? { ...fromRow(row), groupName: row.group_name } : undefined;
}

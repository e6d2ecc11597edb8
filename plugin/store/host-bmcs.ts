// dploy_host_bmcs: how dploy reaches each machine's BMC. The password column
// only ever holds a sealed value; opening it is the power capability's
// business (plugin/power/bmc-credentials.ts), at the moment of a command.

import type { EntityManager } from 'typeorm';
import type { PowerDriverName } from '../power/driver.js';

export interface StoredBmc {
  hostId: number;
  driver: PowerDriverName;
  address: string;
  port: number;
  user: string;
  passwordSealed: string;
}

interface HostBmcRow {
  host_id: number;
  driver: string;
  address: string;
  port: number;
  bmc_user: string;
  password_sealed: string;
  updated_at: Date | string;
}

export async function writeHostBmc(db: EntityManager, bmc: StoredBmc): Promise<void> {
  await db.getRepository<HostBmcRow>('HostBmc').upsert({
    host_id: bmc.hostId, driver: bmc.driver, address: bmc.address, port: bmc.port,
    bmc_user: bmc.user, password_sealed: bmc.passwordSealed, updated_at: new Date(),
  }, ['host_id']);
}

export async function readHostBmc(db: EntityManager, hostId: number): Promise<StoredBmc | undefined> {
  const row = await db.getRepository<HostBmcRow>('HostBmc').findOneBy({ host_id: hostId });
  if (!row) return undefined;
  return { hostId: row.host_id, driver: row.driver as PowerDriverName, address: row.address, port: Number(row.port), user: row.bmc_user, passwordSealed: row.password_sealed };
}

export async function removeHostBmc(db: EntityManager, hostId: number): Promise<boolean> {
  return ((await db.getRepository<HostBmcRow>('HostBmc').delete({ host_id: hostId })).affected ?? 0) > 0;
}

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
  /** Per-BMC TLS options as written after `?` in the address (`tls=1.0&insecure`). */
  options?: string;
  /** The certificate the operator pinned (SHA-256, colon hex). */
  certSha256?: string;
}

interface HostBmcRow {
  host_id: number;
  driver: string;
  address: string;
  port: number;
  bmc_user: string;
  password_sealed: string;
  options: string | null;
  cert_sha256: string | null;
  updated_at: Date | string;
}

/** Writes the BMC; a pin survives only if the endpoint (address and port) is unchanged. */
export async function writeHostBmc(db: EntityManager, bmc: StoredBmc): Promise<void> {
  const repo = db.getRepository<HostBmcRow>('HostBmc');
  const before = await repo.findOneBy({ host_id: bmc.hostId });
  const samePlace = before && before.address === bmc.address && Number(before.port) === bmc.port;
  await repo.upsert(
    {
      host_id: bmc.hostId,
      driver: bmc.driver,
      address: bmc.address,
      port: bmc.port,
      bmc_user: bmc.user,
      password_sealed: bmc.passwordSealed,
      options: bmc.options ?? null,
      cert_sha256: bmc.certSha256 ?? (samePlace ? before.cert_sha256 : null),
      updated_at: new Date(),
    },
    ['host_id'],
  );
}

export async function readHostBmc(db: EntityManager, hostId: number): Promise<StoredBmc | undefined> {
  const row = await db.getRepository<HostBmcRow>('HostBmc').findOneBy({ host_id: hostId });
  if (!row) return undefined;
  return {
    hostId: row.host_id,
    driver: row.driver as PowerDriverName,
    address: row.address,
    port: Number(row.port),
    user: row.bmc_user,
    passwordSealed: row.password_sealed,
    ...(row.options ? { options: row.options } : {}),
    ...(row.cert_sha256 ? { certSha256: row.cert_sha256 } : {}),
  };
}

export async function pinBmcCertificate(db: EntityManager, hostId: number, sha256: string): Promise<boolean> {
  return ((await db.getRepository<HostBmcRow>('HostBmc').update({ host_id: hostId }, { cert_sha256: sha256, updated_at: new Date() })).affected ?? 0) > 0;
}

export async function removeHostBmc(db: EntityManager, hostId: number): Promise<boolean> {
  return ((await db.getRepository<HostBmcRow>('HostBmc').delete({ host_id: hostId })).affected ?? 0) > 0;
}

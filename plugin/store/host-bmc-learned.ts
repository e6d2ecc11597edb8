// dploy_host_bmc_learned: where a machine's BMC is, as the discovery agent read
// it with `ipmitool lan print`. A table of its own so that a learned address
// can never overwrite the one an operator set (dploy_hosts.bmc_address,
// dploy_host_bmcs.address); the operator's always wins when both exist.

import type { EntityManager } from 'typeorm';

export interface LearnedBmc {
  address: string;
  mac?: string;
  learnedAt: Date;
}

interface LearnedRow {
  host_id: number;
  address: string;
  mac: string | null;
  learned_at: Date | string;
}

export async function writeLearnedBmc(db: EntityManager, hostId: number, learned: { address: string; mac?: string }, now = new Date()): Promise<void> {
  await db
    .getRepository<LearnedRow>('HostBmcLearned')
    .upsert({ host_id: hostId, address: learned.address, mac: learned.mac ?? null, learned_at: now }, ['host_id']);
}

export async function readLearnedBmc(db: EntityManager, hostId: number): Promise<LearnedBmc | undefined> {
  const row = await db.getRepository<LearnedRow>('HostBmcLearned').findOneBy({ host_id: hostId });
  if (!row) return undefined;
  return { address: row.address, ...(row.mac ? { mac: row.mac } : {}), learnedAt: new Date(row.learned_at) };
}

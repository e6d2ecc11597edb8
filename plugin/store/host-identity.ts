// Finds the known host an inventory belongs to. The store gathers every host
// that shares any identity fact (UUID, serial, MAC) in three indexed queries;
// the documented policy in plugin/inventory/identity.ts decides among them.
// Ambiguity is a conflict for the operator, never a silent merge.

import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { DployError } from '../errors.js';
import { matchIdentity, type Identity, type IdentityCriterion, type IdentityMatch, type KnownHost } from '../inventory/index.js';
import type { HostMacRow, HostRow } from './host-rows.js';

export type HostMatch =
  | { kind: 'none' }
  /** `known` is the matched host's identity as stored, MACs included. */
  | { kind: 'match'; hostId: number; known: KnownHost };

export async function matchHost(tx: EntityManager, identity: Identity, policy?: readonly IdentityCriterion[]): Promise<HostMatch> {
  const candidates = await candidateHosts(tx, identity);
  const match: IdentityMatch = matchIdentity(identity, candidates, policy);
  if (match.kind === 'conflict') throw new DployError('DPLOY_ERR_CONFLICT', match.message);
  if (match.kind === 'none') return match;
  return { kind: 'match', hostId: match.hostId, known: candidates.find((c) => c.id === match.hostId)! };
}

async function candidateHosts(tx: EntityManager, identity: Identity): Promise<KnownHost[]> {
  const hosts = tx.getRepository<HostRow>('Host');
  const macRepo = tx.getRepository<HostMacRow>('HostMac');
  const ids = new Set<number>();
  if (identity.macs.length > 0) for (const row of await macRepo.findBy({ mac: In([...identity.macs]) })) ids.add(Number(row.host_id));
  // One round trip for both facts (typeorm ORs the entries of a where array).
  const byFacts = [...(identity.uuid ? [{ uuid: identity.uuid }] : []), ...(identity.serial ? [{ serial: identity.serial }] : [])];
  if (byFacts.length > 0) for (const row of await hosts.find({ select: { id: true }, where: byFacts })) ids.add(Number(row.id));
  if (ids.size === 0) return [];
  const rows = await hosts.find({ select: { id: true, uuid: true, serial: true }, where: { id: In([...ids]) } });
  const macs = await macRepo.findBy({ host_id: In([...ids]) });
  return rows.map((row) => ({
    id: Number(row.id),
    uuid: row.uuid?.trim() || undefined,
    serial: row.serial ?? undefined,
    macs: macs.filter((m) => Number(m.host_id) === Number(row.id)).map((m) => m.mac),
  }));
}

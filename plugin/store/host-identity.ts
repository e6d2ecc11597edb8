// Finds the known host an inventory belongs to. The store gathers every host
// that shares any identity fact (UUID, serial, MAC) in one round trip;
// the documented policy in plugin/inventory/identity.ts decides among them.
// Ambiguity is a conflict for the operator, never a silent merge.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { matchIdentity, type Identity, type IdentityCriterion, type IdentityMatch, type KnownHost } from '../inventory/index.js';

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

/**
 * Every host sharing a MAC, the UUID or the serial, with all its MACs, in one
 * round trip: the three indexed lookups are unioned into a small derived
 * table, then joined by primary key (a plain OR across columns would scan).
 */
async function candidateHosts(tx: EntityManager, identity: Identity): Promise<KnownHost[]> {
  const dialect = tx.connection.options.type === 'postgres' ? 'postgres' : 'other';
  const params: string[] = [];
  const mark = (value: string) => {
    params.push(value);
    return dialect === 'postgres' ? `$${params.length}` : '?';
  };
  const lookups: string[] = [];
  if (identity.macs.length > 0) lookups.push(`SELECT host_id AS id FROM dploy_host_macs WHERE mac IN (${identity.macs.map(mark).join(', ')})`);
  if (identity.uuid) lookups.push(`SELECT id FROM dploy_hosts WHERE uuid = ${mark(identity.uuid)}`);
  if (identity.serial) lookups.push(`SELECT id FROM dploy_hosts WHERE serial = ${mark(identity.serial)}`);
  if (lookups.length === 0) return [];
  const rows = await tx.query(
    `SELECT h.id AS id, h.uuid AS uuid, h.serial AS serial, m.mac AS mac
     FROM (${lookups.join(' UNION ')}) c JOIN dploy_hosts h ON h.id = c.id LEFT JOIN dploy_host_macs m ON m.host_id = h.id
     ORDER BY h.id, m.position`,
    params,
  ) as Array<{ id: number | string; uuid: string | null; serial: string | null; mac: string | null }>;
  const hosts = new Map<number, { id: number; uuid: string | undefined; serial: string | undefined; macs: string[] }>();
  for (const row of rows) {
    const id = Number(row.id);
    let host = hosts.get(id);
    if (!host) {
      host = { id, uuid: row.uuid?.trim() || undefined, serial: row.serial ?? undefined, macs: [] };
      hosts.set(id, host);
    }
    if (row.mac) host.macs.push(row.mac);
  }
  return [...hosts.values()];
}

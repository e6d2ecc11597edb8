// dploy_hosts.platform_ref: the link from a dploy host to its record in the
// host tool (OCS: hardware.ID; SIM: the system's name). The host tool's
// writers set it; OCS's in the same transaction as its own rows, on MariaDB,
// hence the batch statement's marks below.

import { In, type EntityManager } from 'typeorm';
import type { SqlValue } from './discovery/index.js';
import type { HostRow } from './host-rows.js';

export async function linkHost(tx: EntityManager, hostId: number, ref: string): Promise<void> {
  await tx.getRepository<HostRow>('Host').update({ id: hostId }, { platform_ref: ref });
}

/** The host's link (null when it has none); undefined when there is no such host. */
export async function hostLink(tx: EntityManager, hostId: number): Promise<string | null | undefined> {
  const host = await tx.getRepository<HostRow>('Host').findOne({ select: { id: true, platform_ref: true }, where: { id: hostId } });
  return host ? host.platform_ref : undefined;
}

/** The hosts linked to these records of the host tool, by record. */
export async function hostsByLink(tx: EntityManager, refs: readonly string[]): Promise<Map<string, number>> {
  if (refs.length === 0) return new Map();
  const rows = await tx.getRepository<HostRow>('Host').find({ select: { id: true, platform_ref: true }, where: { platform_ref: In([...refs]) } });
  return new Map(rows.map((r) => [r.platform_ref!, Number(r.id)]));
}

/**
 * linkHost as a statement of a MariaDB batch (store/discovery/sql-batch.ts),
 * the record's ID given as a value or as the session variable that holds it
 * once the batch has inserted the record.
 */
export function linkHostStatement(hostId: number, ref: { value: string } | { sessionVariable: string }): { sql: string; params: SqlValue[] } {
  const id = String(Number(hostId));
  if ('value' in ref) return { sql: `UPDATE dploy_hosts SET platform_ref = ? WHERE id = ${id}`, params: [ref.value] };
  if (!/^@\w+$/.test(ref.sessionVariable)) throw new Error(`not a session variable: ${ref.sessionVariable}`);
  return { sql: `UPDATE dploy_hosts SET platform_ref = CAST(${ref.sessionVariable} AS CHAR) WHERE id = ${id}`, params: [] };
}

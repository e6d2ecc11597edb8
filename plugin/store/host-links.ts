// dploy_hosts.platform_ref: the link from a dploy host to its record in the
// host tool (OCS: hardware.ID). The host tool's writers set it in the same
// transaction as their own rows; they live on MariaDB, hence its marks.

import type { EntityManager } from 'typeorm';
import type { SqlValue } from './discovery/index.js';

export async function linkHost(tx: EntityManager, hostId: number, ref: string): Promise<void> {
  await tx.query('UPDATE dploy_hosts SET platform_ref = ? WHERE id = ?', [ref, hostId]);
}

/** The host's link (null when it has none); undefined when there is no such host. */
export async function hostLink(tx: EntityManager, hostId: number): Promise<string | null | undefined> {
  const [host] = (await tx.query('SELECT platform_ref FROM dploy_hosts WHERE id = ?', [hostId])) as Array<{ platform_ref: string | null }>;
  return host ? host.platform_ref : undefined;
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

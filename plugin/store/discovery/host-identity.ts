// Finds the known host an inventory belongs to. The store gathers every host
// that shares any identity fact (UUID, serial, MAC) in one round trip;
// the documented policy in plugin/inventory/identity.ts decides among them.
// Ambiguity is a conflict for the operator, never a silent merge.
//
// The same round trip brings what the rest of an intake needs to know about
// those hosts (the whole host row, the digest of its latest inventory, whether
// a job is open) and whether the machine's own hostname is taken: every
// statement saved here is a socket write and a server parse per discovery.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import { matchIdentity, type Identity, type IdentityCriterion, type IdentityMatch, type KnownHost } from '../../inventory/index.js';
import { TERMINAL_STATES } from '../../model/job.js';
import type { HostMacRow, HostRow } from '../host-rows.js';

/** A candidate host as stored, with what an intake needs next. */
export interface CandidateHost extends KnownHost {
  row: HostRow;
  macRows: HostMacRow[];
  /** sha256 of its latest raw inventory, if any. */
  lastSha256: string | undefined;
  /** It has a job that is not finished (an agent event may move it). */
  activeJob: boolean;
  /** That job is a discover job: the one case where a post may change a known machine. */
  discoverJob: boolean;
}

export type HostMatch = { kind: 'none'; nameTaken: boolean } | { kind: 'match'; hostId: number; known: CandidateHost; nameTaken: boolean };

export interface MatchOptions {
  policy?: readonly IdentityCriterion[];
  /** A host name to test in the same round trip (the machine's own hostname). */
  probeName?: string;
}

export async function matchHost(tx: EntityManager, identity: Identity, options: MatchOptions = {}): Promise<HostMatch> {
  const probe = probeStatement(identity, options.probeName, tx.connection.options.type === 'postgres');
  return matchFromProbe(identity, (await tx.query(probe.sql, probe.params)) as ProbeRow[], options.policy);
}

/** The policy's decision on what one probe statement (probeStatement) returned. */
export function matchFromProbe(identity: Identity, rows: ProbeRow[], policy?: readonly IdentityCriterion[]): HostMatch {
  const { candidates, nameTaken } = readProbe(rows);
  const match: IdentityMatch = matchIdentity(identity, candidates, policy);
  if (match.kind === 'conflict') throw new DployError('DPLOY_ERR_CONFLICT', match.message);
  if (match.kind === 'none') return { kind: 'none', nameTaken };
  return { kind: 'match', hostId: match.hostId, known: candidates.find((c) => c.id === match.hostId)!, nameTaken };
}

const HOST_COLUMNS: Array<keyof HostRow> = [
  'id',
  'name',
  'uuid',
  'serial',
  'arch',
  'firmware',
  'bmc_address',
  'boot_state',
  'boot_profile',
  'boot_image',
  'task',
  'task_profile',
  'task_set_at',
  'status',
  'platform_ref',
  'created_at',
  'updated_at',
];
const UNFINISHED = `j.state NOT IN (${TERMINAL_STATES.map((s) => `'${s}'`).join(', ')})`;

export type ProbeRow = Partial<HostRow> & {
  name_taken: number | string;
  mac: string | null;
  position: number | string | null;
  interface: string | null;
  last_sha256: string | null;
  active_jobs: number | string | null;
  discover_jobs: number | string | null;
};

/**
 * Every host sharing a MAC, the UUID or the serial, with all its MACs: the
 * three indexed lookups are unioned into a small derived table, then joined by
 * primary key (a plain OR across columns would scan). The name probe is a
 * one-row table the candidates are LEFT JOINed to, so the answer always has a
 * row even when no host matches.
 */
export function probeStatement(identity: Identity, probeName: string | undefined, postgres: boolean): { sql: string; params: string[] } {
  const params: string[] = [];
  const mark = (value: string) => {
    params.push(value);
    return postgres ? `$${params.length}` : '?';
  };
  // Placeholders are numbered in text order: the name comes first in the statement.
  const probe = probeName ? `SELECT COUNT(*) AS name_taken FROM dploy_hosts WHERE name = ${mark(probeName)}` : 'SELECT 0 AS name_taken';
  const lookups = candidateLookups(identity, mark);
  return {
    sql: `SELECT p.name_taken, k.* FROM (${probe}) p LEFT JOIN (
       SELECT ${HOST_COLUMNS.map((c) => `h.${c}`).join(', ')}, m.mac, m.position, m.interface,
         (SELECT i.sha256 FROM dploy_inventories i WHERE i.host_id = h.id ORDER BY i.received_at DESC, i.id DESC LIMIT 1) AS last_sha256,
         (SELECT COUNT(*) FROM dploy_jobs j WHERE j.host_id = h.id AND ${UNFINISHED}) AS active_jobs,
         (SELECT COUNT(*) FROM dploy_jobs j WHERE j.host_id = h.id AND j.kind = 'discover' AND ${UNFINISHED}) AS discover_jobs
       FROM (${lookups}) c JOIN dploy_hosts h ON h.id = c.id LEFT JOIN dploy_host_macs m ON m.host_id = h.id
     ) k ON 1 = 1
     ORDER BY k.id, k.position`,
    params,
  };
}

/**
 * The ids of every host sharing a MAC, the UUID or the serial, as a UNION of
 * indexed lookups to use as a derived table; `mark` adds a bound value and
 * returns its placeholder.
 */
export function candidateLookups(identity: Identity, mark: (value: string) => string): string {
  const lookups: string[] = [];
  if (identity.macs.length > 0) lookups.push(`SELECT host_id AS id FROM dploy_host_macs WHERE mac IN (${identity.macs.map(mark).join(', ')})`);
  if (identity.uuid) lookups.push(`SELECT id FROM dploy_hosts WHERE uuid = ${mark(identity.uuid)}`);
  if (identity.serial) lookups.push(`SELECT id FROM dploy_hosts WHERE serial = ${mark(identity.serial)}`);
  return lookups.length > 0 ? lookups.join(' UNION ') : 'SELECT id FROM dploy_hosts WHERE 1 = 0';
}

function readProbe(rows: ProbeRow[]): { candidates: CandidateHost[]; nameTaken: boolean } {
  const hosts = new Map<number, CandidateHost & { macs: string[] }>();
  for (const row of rows) {
    if (row.id === null || row.id === undefined) continue;
    const id = Number(row.id);
    let host = hosts.get(id);
    if (!host) {
      const hostRow = Object.fromEntries(HOST_COLUMNS.map((c) => [c, row[c] ?? null])) as unknown as HostRow;
      hostRow.id = id;
      host = {
        id,
        uuid: row.uuid?.trim() || undefined,
        serial: row.serial ?? undefined,
        macs: [],
        row: hostRow,
        macRows: [],
        lastSha256: row.last_sha256 ?? undefined,
        activeJob: Number(row.active_jobs ?? 0) > 0,
        discoverJob: Number(row.discover_jobs ?? 0) > 0,
      };
      hosts.set(id, host);
    }
    if (row.mac) {
      host.macs.push(row.mac);
      host.macRows.push({ mac: row.mac, host_id: id, position: Number(row.position), interface: row.interface });
    }
  }
  return { candidates: [...hosts.values()], nameTaken: Number(rows[0]?.name_taken ?? 0) > 0 };
}

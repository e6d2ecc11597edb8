// The identity probe of a discovery group (discovery-group.ts), in two steps.
//
// First, one flat statement for the whole group: which of the group's MACs,
// UUIDs, serials and host names dploy_hosts already has, and which of its
// MACs the host tool has a record of (OCS: networks.MACADDR), as index
// lookups with IN lists. A machine none of its facts was found for is new,
// and that is all its plan needs. The full probe (host-identity.ts: derived
// tables, correlated subqueries, every candidate's MACs; OCS's linked
// computer with its blacklist and order) costs MariaDB more than writing the
// machine: per machine, 90 and 150 µs against 30–40 µs for this statement
// (docs/discovery-writes.md); a storm of new machines skips it.
// discovery-group.ts sends this statement as the guard of a batch that
// writes the group as new machines (one round trip for them), and goes on
// here with its rows when it found something.
//
// Then, only for the machines something was found for (a re-post, a
// rediscovery, a conflict), the full probe, in a second round trip, so the
// identity policy decides on the same rows as for a machine posted alone.
// A row the first step cannot attribute to one machine sends the whole
// group there.

import { matchFromProbe, probeStatement, type HostMatch, type ProbeRow } from './host-identity.js';
import type { Intake } from './machines.js';
import { SqlBatch, type SqlSession, type SqlValue } from './sql-batch.js';

/** What the host tool asks in each step of the probe (OCS: the computers linked to the machine). */
export interface HostToolProbe {
  /** Step one: the indexed column where it records MACs (OCS: networks.MACADDR); a machine with one there goes to step two. */
  macColumn: { table: string; column: string };
  /** Step two: what one machine with known facts needs. */
  probe(intake: Intake): { sql: string; params: SqlValue[] };
}

/** One intake's probe: the identity decision, and the host tool's rows for it (to pick from by the chosen host). */
export interface ProbedIntake {
  match: HostMatch;
  toolRows: unknown[];
}

/** A fact found: a dploy host's MAC, UUID, serial or name, or a MAC the host tool has. */
type FactKind = 'mac' | 'uuid' | 'serial' | 'name' | 'tool';
export interface KnownFact {
  kind: FactKind;
  value: string;
}

/**
 * Each intake's probe, or the Error its identity raised (a conflict), given
 * step one's rows (knownFactsStatement, run by the caller as its batch's
 * guard); one more round trip when something is known of a machine.
 */
export async function probeFromFacts(tx: SqlSession, intakes: Intake[], facts: KnownFact[], hostTool?: HostToolProbe): Promise<Array<ProbedIntake | Error>> {
  const found = factsByIntake(intakes, facts);
  // A new machine: nothing known of it here or in the host tool, so nothing for the host tool to pick from.
  const answers: Array<ProbedIntake | Error | undefined> = intakes.map((_, slot) =>
    found[slot]!.known
      ? undefined
      : {
          match: { kind: 'none', nameTaken: found[slot]!.nameTaken },
          toolRows: [],
        },
  );
  const known = intakes.flatMap((intake, slot) => (answers[slot] === undefined ? [{ intake, slot }] : []));
  if (known.length === 0) return answers as ProbedIntake[];
  const second = new SqlBatch();
  for (const { intake } of known) {
    const identity = probeStatement(intake.identity, intake.probeName, false);
    second.add(identity.sql, identity.params);
    const tool = hostTool?.probe(intake);
    if (tool) second.add(tool.sql, tool.params);
  }
  const rows = (await second.run(tx)) as unknown[][];
  const perIntake = hostTool ? 2 : 1;
  known.forEach(({ intake, slot }, n) => {
    try {
      answers[slot] = { match: matchFromProbe(intake.identity, rows[n * perIntake] as ProbeRow[]), toolRows: hostTool ? rows[n * perIntake + 1]! : [] };
    } catch (err) {
      answers[slot] = err instanceof Error ? err : new Error(String(err));
    }
  });
  return answers as Array<ProbedIntake | Error>;
}

/**
 * Every MAC, UUID, serial and host name of the group that dploy_hosts (or
 * dploy_host_macs) already has: the same lookups as the full probe's
 * candidates (candidateLookups), with the same comparisons, for all the
 * group's values at once; and the group's MACs the host tool has, in lower
 * case (OCS's column compares without case). `names`: the host names to
 * look up (by default each machine's own; the writer asks only those its
 * plan gives the machines).
 */
export function knownFactsStatement(
  intakes: Intake[],
  hostTool?: HostToolProbe,
  names: Array<string | undefined> = intakes.map((i) => i.probeName),
): { sql: string; params: SqlValue[] } {
  const toolMacs = hostTool?.macColumn;
  const params: string[] = [];
  const list = (values: Array<string | undefined>): string | undefined => {
    const present = [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
    if (present.length === 0) return undefined;
    params.push(...present);
    return present.map(() => '?').join(', ');
  };
  const parts: string[] = [];
  const lookup = (kind: FactKind, select: string, values: Array<string | undefined>) => {
    const marks = list(values);
    if (marks !== undefined) parts.push(`SELECT '${kind}' AS kind, ${select} IN (${marks})`);
  };
  lookup(
    'mac',
    'mac AS value FROM dploy_host_macs WHERE mac',
    intakes.flatMap((i) => i.identity.macs),
  );
  lookup(
    'uuid',
    'uuid AS value FROM dploy_hosts WHERE uuid',
    intakes.map((i) => i.identity.uuid),
  );
  lookup(
    'serial',
    'serial AS value FROM dploy_hosts WHERE serial',
    intakes.map((i) => i.identity.serial),
  );
  lookup('name', 'name AS value FROM dploy_hosts WHERE name', names);
  if (toolMacs)
    lookup(
      'tool',
      `LOWER(${toolMacs.column}) AS value FROM ${toolMacs.table} WHERE ${toolMacs.column}`,
      intakes.flatMap((i) => i.identity.macs),
    );
  // Every intake has a MAC (prepareIntake refuses one without), so parts is never empty.
  return { sql: parts.join(' UNION ALL '), params };
}

/**
 * Which intakes have a known fact. dploy's tables compare with utf8mb4_bin,
 * which ignores trailing spaces and nothing else, so a value found is its
 * intake's when they are equal but for those. A found value that is no
 * intake's marks every intake known: the full probe then decides.
 */
export function factsByIntake(intakes: Intake[], facts: KnownFact[]): Array<{ known: boolean; nameTaken: boolean }> {
  const found = intakes.map(() => ({ known: false, nameTaken: false }));
  for (const { kind, value } of facts) {
    const key = fold(String(value));
    const owners = intakes.flatMap((intake, slot) => (ownsFact(intake, kind, key) ? [slot] : []));
    if (owners.length === 0) return intakes.map(() => ({ known: true, nameTaken: false }));
    for (const slot of owners) {
      if (kind === 'name') found[slot]!.nameTaken = true;
      else found[slot]!.known = true;
    }
  }
  return found;
}

/** A value as dploy's utf8mb4_bin columns compare it (PAD SPACE: trailing spaces do not count). */
const fold = (v: string): string => v.replace(/ +$/, '');

function ownsFact(intake: Intake, kind: FactKind, key: string): boolean {
  const { identity, probeName } = intake;
  const mine = kind === 'mac' || kind === 'tool' ? identity.macs : kind === 'uuid' ? [identity.uuid] : kind === 'serial' ? [identity.serial] : [probeName];
  return mine.some((v) => v !== undefined && fold(v) === key);
}

// Several discoveries on MariaDB in two round trips, whatever their number
// (three when something is already known of one of them): the probe reads
// every machine's identity and what the host tool's rows need (OCS: the
// linked computers) outside a transaction (a consistent read takes no lock
// inside one either; group-probe.ts), and one batch
// writes every machine inside its own START TRANSACTION … COMMIT. In that
// batch a new machine costs only the statements that give it its ids (its
// host's and its computer's rows, each id kept in a session variable); every
// other row goes in one multi-row INSERT per table for the whole group.
// group-commit.ts decides what goes in a group; a failed batch is rolled back
// on its connection before the connection returns to the pool.

import type { DataSource, EntityManager } from 'typeorm';
import type { RecordedMachine } from '../platforms/platform.js';
import { appendInsertDiscovered, appendUpdateDiscovered, discoveredHostRow } from './discovery-writes.js';
import { createGroupCommit } from './group-commit.js';
import { probeGroup, type HostToolProbe } from './group-probe.js';
import { planIntake, recordedMachine, type Intake, type IntakePlan } from './machines.js';
import { directSession } from './mysql-session.js';
import { SqlBatch, type SqlSession } from './sql-batch.js';

/** A host in the batch: its id (null until inserted) and as SQL (a session variable set by the batch, or the known id), its name and MACs. */
export interface BatchHost {
  id: number | null;
  idSql: string;
  name: string;
  macs: string[];
}

/** A machine of the group as the host tool sees it. */
export interface GroupMachine<S> {
  plan: IntakePlan;
  host: BatchHost;
  state: S;
}

/** The host tool's rows for the same batch (OCS); standalone has none. */
export interface HostToolRows<S> extends HostToolProbe {
  /** What its probe statements answered, for the host the identity policy chose. */
  state(rows: unknown[], host: BatchHost): S;
  /**
   * Appends every machine's rows, before dploy's own (rows gathered with
   * addRow go with dploy's, one INSERT per table); answers per machine the
   * SQL of its host's platform_ref, written with the host's own row.
   */
  append(batch: SqlBatch, machines: Array<GroupMachine<S>>): string[];
  /** Statements after all the group's rows (OCS: its locks released). */
  finish(batch: SqlBatch, machines: Array<GroupMachine<S>>): void;
  /** After the group's batch failed and was rolled back, on its connection (OCS: the lock rows a rollback leaves). */
  rolledBack(tx: EntityManager, machines: Array<GroupMachine<S>>): Promise<void>;
}

/** Most machines one batch writes (a storm's posts that waited while the previous batch ran). */
const GROUP_MAX_MACHINES = 32;
/** Most document bytes in one batch: sent as hex, 8 MiB of SQL, under MariaDB's max_allowed_packet (16 MiB by default). */
const GROUP_MAX_BYTES = 4 * 2 ** 20;

/**
 * MariaDB's discovery intake: concurrent posts are written in groups; `alone`
 * is the one-machine transaction a failed group's machines fall back to.
 */
export function createDiscoveryIntake<S>(db: DataSource, alone: (intake: Intake) => Promise<RecordedMachine>, hostTool?: HostToolRows<S>): (intake: Intake) => Promise<RecordedMachine> {
  // Host names new machines of the groups under way take: a group that probed
  // before another committed cannot see them. Cleared once no group is under way;
  // a name a rolled-back group claimed stays taken till then, so a later machine
  // of the storm gets a MAC-derived name instead (never a duplicate).
  const claimed = new Set<string>();
  return createGroupCommit<Intake, RecordedMachine>({
    maxItems: GROUP_MAX_MACHINES, maxWeight: GROUP_MAX_BYTES, weight: (intake) => intake.stored.document.length,
    keys: intakeKeys, runAlone: alone, onIdle: () => claimed.clear(),
    runGroup: (group, probed) => recordIntakeGroup(db, group, claimed, probed, hostTool),
  });
}

/**
 * The identity facts two intakes of one group must not share (group-commit.ts).
 * A hostname is not one: machines booted from one image all say "mindi" or
 * "localhost", and planGroup gives the name to the first, as posting them in
 * turn would (the others get names from their MACs).
 */
export function intakeKeys(intake: Intake): string[] {
  const { identity } = intake;
  return [
    ...identity.macs.map((m) => `mac:${m}`),
    ...(identity.uuid ? [`uuid:${identity.uuid}`] : []),
    ...(identity.serial ? [`serial:${identity.serial}`] : []),
  ];
}

async function recordIntakeGroup<S>(db: DataSource, intakes: Intake[], claimed: Set<string>, probed: () => void, hostTool?: HostToolRows<S>): Promise<Array<RecordedMachine | Error>> {
  const runner = db.createQueryRunner();
  const session = await directSession(runner);
  try {
    const outcomes: Array<RecordedMachine | Error> = new Array(intakes.length);
    const planned = await planGroup(session, runner.manager, intakes, claimed, outcomes, hostTool);
    probed();
    if (planned.length === 0) return outcomes;
    const hosts = planned.map(({ plan }, slot) => batchHost(plan, slot));
    const machines = hostTool ? planned.map(({ plan, toolRows }, slot) => ({ plan, host: hosts[slot]!, state: hostTool.state(toolRows, hosts[slot]!) })) : [];
    const batch = new SqlBatch();
    const links = hostTool?.append(batch, machines) ?? [];
    planned.forEach(({ plan }, slot) => appendPlan(batch, plan, hosts[slot]!, links[slot]));
    batch.flushRows();
    hostTool?.finish(batch, machines);
    batch.add(`SELECT ${hosts.map((host, slot) => `${host.idSql} AS h${slot}`).join(', ')}`);
    let results: unknown[][];
    try {
      results = await batch.runAsTransaction(session);
    } catch (err) {
      await session.query('ROLLBACK').catch(() => undefined);
      await hostTool?.rolledBack(runner.manager, machines).catch(() => undefined);
      throw err;
    }
    const ids = (results.at(-1) as Array<Record<string, number | string>>)[0]!;
    planned.forEach(({ index, plan }, slot) => {
      outcomes[index] = recordedMachine(plan, Number(ids[`h${slot}`]));
    });
    return outcomes;
  } finally {
    await runner.release();
  }
}

/**
 * The group's probe (one round trip, two when something is known of a
 * machine); an intake the policy refuses gets its error and stays out.
 */
async function planGroup<S>(session: SqlSession, tx: EntityManager, intakes: Intake[], claimed: Set<string>, outcomes: Array<RecordedMachine | Error>, hostTool?: HostToolRows<S>): Promise<Array<{ index: number; plan: IntakePlan; toolRows: unknown[] }>> {
  const probed = await probeGroup(session, intakes, hostTool);
  const planned: Array<{ index: number; plan: IntakePlan; toolRows: unknown[] }> = [];
  for (const [index, intake] of intakes.entries()) {
    try {
      const answer = probed[index]!;
      if (answer instanceof Error) throw answer;
      const { match } = answer;
      if (match.kind === 'none' && intake.probeName !== undefined && claimed.has(intake.probeName)) match.nameTaken = true;
      const plan = await planIntake(tx, intake, match);
      if (plan.kind === 'insert') claimed.add(plan.name);
      planned.push({ index, plan, toolRows: answer.toolRows });
    } catch (err) {
      outcomes[index] = err instanceof Error ? err : new Error(String(err));
    }
  }
  return planned;
}

function batchHost(plan: IntakePlan, slot: number): BatchHost {
  if (plan.kind === 'insert') return { id: null, idSql: `@dploy_host_${slot}`, name: plan.name, macs: plan.macs };
  const { id } = plan.known;
  return { id, idSql: String(Number(id)), name: plan.known.row.name, macs: [...plan.known.macs, ...plan.fresh.map((m) => m.mac)] };
}

function appendPlan(batch: SqlBatch, plan: IntakePlan, host: BatchHost, platformRef: string | undefined): void {
  const { facts, stored } = plan.intake;
  if (plan.kind === 'insert') appendInsertDiscovered(batch, host.idSql, discoveredHostRow(plan.name, facts, stored.received_at), plan.macs, stored, platformRef);
  else appendUpdateDiscovered(batch, plan.known.id, facts, plan.fresh, stored, platformRef);
}

// Several discoveries on MariaDB in one round trip when they are all new
// machines, whatever their number: one compound statement checks that
// nothing is known of them (step one of the probe, group-probe.ts) and only
// then writes every machine inside its own START TRANSACTION … COMMIT.
// When something is known of one, that statement wrote nothing and answered
// what it found: the probe goes on from there (the full probe for the known
// machines, and the host tool's rows: OCS's linked computers), outside a
// transaction (a consistent read takes no lock inside one either), and a
// second batch writes the group. In a batch a new machine costs only the
// statements that give it its ids (its host's and its computer's rows, each
// id kept in a session variable); every other row goes in one multi-row
// INSERT per table for the whole group.
// group-commit.ts decides what goes in a group; a failed batch is rolled back
// on its connection before the connection returns to the pool.

import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { RecordedMachine } from '../../model/discovery.js';
import { appendInsertDiscovered, appendUpdateDiscovered, discoveredHostRow } from './discovery-writes.js';
import { createGroupCommit } from './group-commit.js';
import { factsByIntake, knownFactsStatement, probeFromFacts, type HostToolProbe, type KnownFact } from './group-probe.js';
import { newHostPlan, planIntake, recordedMachine, type Intake, type IntakePlan } from './machines.js';
import { HostNameClaims } from './host-name-claims.js';
import { directSession } from './mysql-session.js';
import { PreparedShapes } from './prepared-shapes.js';
import { SqlBatch, type SqlSession, type SqlValue, type TransactionForm } from './sql-batch.js';

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

export interface DiscoveryIntakeOptions {
  /** The server runs anonymous compound statements (MariaDB, not MySQL); asked of the server when not given. */
  compoundStatements?: boolean;
  /** Batches whose shape recurs go as prepared statements (prepared-shapes.ts); default true. */
  prepareRecurringShapes?: boolean;
}

/**
 * MariaDB's (and MySQL's) discovery intake: concurrent posts are written in
 * groups; `alone` is the one-machine transaction a failed group's machines
 * fall back to.
 */
export function createDiscoveryIntake<S>(
  db: DataSource,
  alone: (intake: Intake) => Promise<RecordedMachine>,
  hostTool?: HostToolRows<S>,
  options: DiscoveryIntakeOptions = {},
): (intake: Intake) => Promise<RecordedMachine> {
  // Host names new machines of the groups under way take (a group that probed
  // before another committed cannot see them), and hostnames found taken. A
  // name a rolled-back group claimed stays taken till no group is under way,
  // so a later machine of the storm gets a MAC-derived name (never a duplicate).
  const names = new HostNameClaims();
  const prepared = options.prepareRecurringShapes === false ? undefined : new PreparedShapes();
  let compound = options.compoundStatements;
  const runsCompound = async (): Promise<boolean> => (compound ??= await hasCompoundStatements(db));
  return createGroupCommit<Intake, RecordedMachine>({
    maxItems: GROUP_MAX_MACHINES,
    maxWeight: GROUP_MAX_BYTES,
    weight: (intake) => intake.stored.document.length,
    keys: intakeKeys,
    runAlone: alone,
    onIdle: () => names.idle(),
    runGroup: async (group, probed) => recordIntakeGroup(db, { compound: await runsCompound(), prepared }, group, names, probed, hostTool),
  });
}

/** MariaDB has run `BEGIN NOT ATOMIC … END` outside stored programs since 10.1; MySQL never has. */
async function hasCompoundStatements(db: DataSource): Promise<boolean> {
  const [row] = (await db.query('SELECT VERSION() AS version')) as Array<{ version: string }>;
  return /mariadb/i.test(row?.version ?? '');
}

/**
 * The identity facts two intakes of one group must not share (group-commit.ts).
 * A hostname is not one: machines booted from one image all say "mindi" or
 * "localhost", and the group gives the name to the first, as posting them in
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

/** How a group's batches go: compound statements or not, and which prepared. */
type GroupForm = Omit<TransactionForm, 'unless'>;

async function recordIntakeGroup<S>(
  db: DataSource,
  form: GroupForm,
  intakes: Intake[],
  names: HostNameClaims,
  probed: () => void,
  hostTool?: HostToolRows<S>,
): Promise<Array<RecordedMachine | Error>> {
  const runner = db.createQueryRunner();
  const session = await directSession(runner);
  try {
    const outcomes: Array<RecordedMachine | Error> = new Array(intakes.length);
    const write = (planned: PlannedIntake[], unless?: { sql: string; params: SqlValue[] }) =>
      writeGroup(runner, session, { ...form, ...(unless ? { unless } : {}) }, planned, outcomes, hostTool);
    // Step one of the probe: on MariaDB as the guard of the group written as
    // new machines (nothing more to do when it was); on MySQL in a round trip of its own.
    const facts = form.compound ? await writeIfNew(intakes, names, write, hostTool) : await stepOne(session, intakes, hostTool);
    if (facts === undefined) {
      probed();
      return outcomes;
    }
    const planned = await planGroup(session, runner.manager, intakes, names, outcomes, facts, hostTool);
    probed();
    if (planned.length > 0) await write(planned);
    return outcomes;
  } finally {
    await runner.release();
  }
}

async function stepOne<S>(session: SqlSession, intakes: Intake[], hostTool?: HostToolRows<S>): Promise<KnownFact[]> {
  const { sql, params } = knownFactsStatement(intakes, hostTool);
  return (await session.query(sql, params)) as KnownFact[];
}

/**
 * Most groups of a storm are new machines: written as such in the round trip
 * that checks they are, with step one of the probe as the batch's guard.
 * Answers undefined when they were written, else step one's rows (nothing
 * written). A hostname found taken is remembered (host-name-claims.ts) and
 * the group planned again, with names from those machines' MACs.
 */
async function writeIfNew<S>(
  intakes: Intake[],
  names: HostNameClaims,
  write: (planned: PlannedIntake[], unless: { sql: string; params: SqlValue[] }) => Promise<GroupWrite>,
  hostTool?: HostToolRows<S>,
): Promise<KnownFact[] | undefined> {
  let facts: KnownFact[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const claimedHere: string[] = [];
    const guess = intakes.map((intake, index) => {
      const plan = newHostPlan(intake, names.isTaken(intake.probeName));
      if (names.claim(plan.name)) claimedHere.push(plan.name);
      return { index, plan, toolRows: [] as unknown[] };
    });
    const ownNames = guess.map(({ plan }) => (plan.name === plan.intake.probeName ? plan.name : undefined));
    const guessed = await write(guess, knownFactsStatement(intakes, hostTool, ownNames));
    if (guessed.written) return undefined;
    // The names guessed are free again; a machine something is known of goes to the full probe, from step one's rows.
    for (const name of claimedHere) names.release(name);
    facts = guessed.facts;
    const found = factsByIntake(intakes, facts);
    if (found.some((f) => f.known)) break;
    for (const [slot, f] of found.entries()) if (f.nameTaken) names.foundTaken(intakes[slot]!.probeName!);
  }
  return facts;
}

type GroupWrite = { written: true } | { written: false; facts: KnownFact[] };

/**
 * The planned machines in one batch, one transaction, one round trip; their
 * outcomes set. With `unless` (step one of the probe) the batch runs only
 * when that finds nothing, and otherwise answers its rows, writing nothing.
 */
async function writeGroup<S>(
  runner: QueryRunner,
  session: SqlSession,
  form: TransactionForm,
  planned: PlannedIntake[],
  outcomes: Array<RecordedMachine | Error>,
  hostTool?: HostToolRows<S>,
): Promise<GroupWrite> {
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
    results = await batch.runAsTransaction(session, form);
  } catch (err) {
    await session.query('ROLLBACK').catch(() => undefined);
    await hostTool?.rolledBack(runner.manager, machines).catch(() => undefined);
    throw err;
  }
  if (form.unless && results.length === 1) return { written: false, facts: results[0] as KnownFact[] };
  const ids = (results.at(-1) as Array<Record<string, number | string>>)[0]!;
  planned.forEach(({ index, plan }, slot) => {
    outcomes[index] = recordedMachine(plan, Number(ids[`h${slot}`]));
  });
  return { written: true };
}

interface PlannedIntake {
  index: number;
  plan: IntakePlan;
  toolRows: unknown[];
}

/**
 * The rest of the group's probe after step one (one more round trip when
 * something is known of a machine); an intake the policy refuses gets its
 * error and stays out.
 */
async function planGroup<S>(
  session: SqlSession,
  tx: EntityManager,
  intakes: Intake[],
  names: HostNameClaims,
  outcomes: Array<RecordedMachine | Error>,
  facts: KnownFact[],
  hostTool?: HostToolRows<S>,
): Promise<PlannedIntake[]> {
  const probed = await probeFromFacts(session, intakes, facts, hostTool);
  const planned: PlannedIntake[] = [];
  for (const [index, intake] of intakes.entries()) {
    try {
      const answer = probed[index]!;
      if (answer instanceof Error) throw answer;
      const { match } = answer;
      if (match.kind === 'none' && names.isTaken(intake.probeName)) match.nameTaken = true;
      const plan = await planIntake(tx, intake, match);
      if (plan.kind === 'insert') names.claim(plan.name);
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
  if (plan.kind === 'insert')
    appendInsertDiscovered(batch, host.idSql, discoveredHostRow(plan.name, facts, stored.received_at), plan.macs, stored, platformRef);
  else appendUpdateDiscovered(batch, plan.known.id, facts, plan.fresh, stored, { keep: plan.intake.keep, repost: plan.repost }, platformRef);
}

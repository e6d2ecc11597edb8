// Writes a discovered machine into dploy's tables: finds it by identity,
// creates or updates the host and its MACs, and keeps the raw document
// (gzip-compressed) for audit and re-parsing. Runs inside the caller's
// transaction so a platform can add its own rows to the same unit of work.
//
// An intake goes in three steps, so that MariaDB can run many of them as one
// group (discovery-group.ts): prepare (no database), plan (after the identity
// probe), write.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import type { Inventory } from '../../model/inventory.js';
import { hostNameProblem } from '../../model/host-name.js';
import { diffInventories, identityOf, type HardwareChange, type Identity } from '../../inventory/index.js';
import type { RawDocument, RecordedMachine } from '../../model/discovery.js';
import type { Dialect } from '../dialect.js';
import { discoveredHostRow, insertDiscovered, updateDiscovered, type HostFacts, type InventoryRow } from './discovery-writes.js';
import { hostFromRow, type HostMacRow } from '../host-rows.js';
import { matchHost, type CandidateHost, type HostMatch } from './host-identity.js';
import { latestInventory } from '../inventories.js';
import { bindDiscoverJob, plainAddress } from '../job-binding.js';

/** One posted document, checked and digested, before the database is asked anything. */
export interface Intake {
  inventory: Inventory;
  identity: Identity;
  /** The machine's own hostname when it is a valid host name. */
  probeName: string | undefined;
  facts: HostFacts;
  stored: InventoryRow;
  /** Address the document came from (OCS keeps it as IPSRC). */
  remoteAddress: string | undefined;
  /** The operator lets any post re-inventory a known machine (agent.rediscoverKnownHosts). */
  rediscover: boolean;
  /** Distinct documents kept per host (agent.inventoriesKept). */
  keep: number;
}

/** What the writes will do, decided from the identity probe. */
export type IntakePlan =
  | { kind: 'insert'; intake: Intake; name: string; macs: string[] }
  | { kind: 'update'; intake: Intake; known: CandidateHost; fresh: HostMacRow[]; changes: string[]; repost: boolean };

/** The default of agent.inventoriesKept, for callers that do not say. */
const DOCUMENTS_KEPT = 5;

export function prepareIntake(inventory: Inventory, document: RawDocument, now = new Date()): Intake {
  const identity = identityOf(inventory);
  if (identity.macs.length === 0)
    throw new DployError('DPLOY_ERR_INVENTORY_INVALID', 'the inventory lists no physical NIC with a MAC address, so the machine could not be identified');
  const ownName = inventory.hostname?.toLowerCase();
  return {
    inventory,
    identity,
    remoteAddress: document.remoteAddress,
    rediscover: document.rediscover ?? false,
    keep: document.keepDocuments ?? DOCUMENTS_KEPT,
    probeName: ownName && !hostNameProblem(ownName) ? ownName : undefined,
    facts: { uuid: inventory.system.uuid ?? null, serial: inventory.system.serial ?? null, arch: inventory.arch === 'unknown' ? null : inventory.arch },
    stored: {
      received_at: now,
      format: document.format,
      source: inventory.source.slice(0, 64),
      sha256: document.sha256 ?? createHash('sha256').update(document.body).digest('hex'),
      size_bytes: document.body.length,
      document: document.gzip ?? gzipSync(document.body),
    },
  };
}

export async function planIntake(tx: EntityManager, intake: Intake, match: HostMatch): Promise<IntakePlan> {
  if (match.kind === 'none') return newHostPlan(intake, match.nameTaken);
  const { known } = match;
  if (known.discoverJob && intake.remoteAddress) await refuseOtherDiscoverAddress(tx, known, intake.remoteAddress);
  refuseUnaskedRediscovery(intake, known);
  // The same bytes again (the usual re-post) need no re-parse of the previous document, and are not stored again.
  const repost = known.lastSha256 === intake.stored.sha256;
  const changes = known.lastSha256 !== undefined && !repost ? await hardwareChanges(tx, known.id, intake.inventory) : [];
  return { kind: 'update', intake, known, fresh: newMacs(known, intake.identity.macs), changes, repost };
}

/**
 * The enrollment token is public (docs/security.md): with it alone, a post
 * naming a known machine's MAC must not change that machine's identity or
 * inventory, which decide the disk its next install wipes. The same document
 * again (an agent retrying a post whose answer it lost) changes nothing.
 */
function refuseUnaskedRediscovery(intake: Intake, known: CandidateHost): void {
  if (known.discoverJob || intake.rediscover || known.lastSha256 === intake.stored.sha256) return;
  throw new DployError(
    'DPLOY_ERR_CONFLICT',
    `machine ${known.row.name} is already known and not in a discover job: its inventory is kept. ` +
      `To take a new one, run "dploy task set ${known.row.name} discover" (or set agent.rediscoverKnownHosts)`,
  );
}

/**
 * A discover job takes the inventory of the machine that posts first, and no
 * other's: with the public enrollment token and a victim's MAC, another
 * address must not hand in the victim's hardware (docs/security.md).
 */
async function refuseOtherDiscoverAddress(tx: EntityManager, known: CandidateHost, remoteAddress: string): Promise<void> {
  const from = plainAddress(remoteAddress);
  const binding = await bindDiscoverJob(tx, known.id, from);
  if (!binding || binding.bound === from) return;
  throw new DployError(
    'DPLOY_ERR_CONFLICT',
    `discover job ${binding.jobId} of machine ${known.row.name} is bound to ${binding.bound}, which posted its inventory first; ` +
      `refused from ${from} (an attacker, or a machine whose address changed: see docs/security.md)`,
  );
}

/** A new host: named by the machine's own hostname when it is valid and free, else by its first MAC. */
export function newHostPlan(intake: Intake, nameTaken: boolean): Extract<IntakePlan, { kind: 'insert' }> {
  const name = intake.probeName && !nameTaken ? intake.probeName : `host-${intake.identity.macs[0]!.replace(/:/g, '')}`;
  return { kind: 'insert', intake, name, macs: [...intake.identity.macs] };
}

/** The machine as recorded by a plan; `insertedId` is the new host's id. */
export function recordedMachine(plan: IntakePlan, insertedId?: number): RecordedMachine {
  const { facts, stored } = plan.intake;
  if (plan.kind === 'insert') {
    const host = hostFromRow(
      { ...discoveredHostRow(plan.name, facts, stored.received_at), id: insertedId! },
      plan.macs.map((mac, position) => ({ mac, host_id: insertedId!, position, interface: null })),
    );
    return { host, created: true, changes: [], activeJob: false };
  }
  const { known } = plan;
  const host = hostFromRow({ ...known.row, ...facts, updated_at: stored.received_at }, [...known.macRows, ...plan.fresh]);
  return { host, created: false, changes: plan.changes, activeJob: known.activeJob };
}

export async function recordMachine(
  tx: EntityManager,
  dialect: Dialect,
  inventory: Inventory,
  document: RawDocument,
  now = new Date(),
): Promise<RecordedMachine> {
  return recordIntake(tx, dialect, prepareIntake(inventory, document, now));
}

/** One intake on its own, statement by statement inside the caller's transaction. */
export async function recordIntake(tx: EntityManager, dialect: Dialect, intake: Intake): Promise<RecordedMachine> {
  const match = await matchHost(tx, intake.identity, intake.probeName ? { probeName: intake.probeName } : {});
  const plan = await planIntake(tx, intake, match);
  if (plan.kind === 'insert') return recordedMachine(plan, await insertDiscovered(tx, dialect, plan.name, plan.macs, intake.facts, intake.stored));
  await updateDiscovered(tx, dialect, plan.known.id, intake.facts, plan.fresh, intake.stored, { keep: intake.keep, repost: plan.repost });
  return recordedMachine(plan);
}

/**
 * NICs seen for the first time on a known machine. Every host owning one of
 * the inventory's MACs was a match candidate, and a match means no other host
 * owns them, so the matched host's own MACs are all there is to compare with.
 */
function newMacs(known: CandidateHost, macs: readonly string[]): HostMacRow[] {
  return macs
    .filter((mac) => !known.macs.includes(mac))
    .map((mac, i): HostMacRow => ({ mac, host_id: known.id, position: known.macs.length + i, interface: null }));
}

/** What changed since the last document, which differs from this one. */
async function hardwareChanges(tx: EntityManager, hostId: number, inventory: Inventory): Promise<string[]> {
  const previous = await latestInventory(tx, hostId).catch(() => undefined);
  return previous ? diffInventories(previous.inventory, inventory).map(describeChange) : [];
}

function describeChange(c: HardwareChange): string {
  const values = c.change === 'changed' ? ` (${c.before ?? '?'} -> ${c.after ?? '?'})` : (c.after ?? c.before) ? ` (${c.after ?? c.before})` : '';
  return `${c.part} ${c.key} ${c.change}${values}`;
}

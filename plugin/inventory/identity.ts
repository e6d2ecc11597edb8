// Which known host an inventory belongs to. Modelled on OCS Inventory NG's
// duplicate criteria: the policy is an ordered list of criteria, each a set
// of facts that must all be equal (OCS combines hostname, serial, MAC, model,
// UUID the same way). dploy's facts are the SMBIOS UUID, the system serial
// and the permanent MACs; junk values never get here (the parser drops them).
//
// Default policy: UUID; else serial AND one shared MAC (serials are unique
// per vendor, not worldwide, and blades can report their chassis' serial);
// else one shared MAC. The first criterion that finds anything decides, and
// every later criterion must agree: facts that point at two different hosts
// are a conflict for the operator, never a silent pick. Documented in
// docs/inventory.md "Identity".

import type { Inventory } from '../model/inventory.js';
import { normalizeMac } from '../model/mac.js';

export type IdentityFact = 'uuid' | 'serial' | 'mac';
/** Facts that must all match, e.g. ['serial', 'mac']. */
export type IdentityCriterion = readonly IdentityFact[];

export const DEFAULT_MATCH_POLICY: readonly IdentityCriterion[] = Object.freeze([['uuid'], ['serial', 'mac'], ['mac']]);

export interface Identity {
  uuid?: string | undefined;
  serial?: string | undefined;
  macs: readonly string[];
}

export interface KnownHost extends Identity {
  id: number;
}

/** What changed in the identity facts of a matched host (for the hardware-change event). */
export interface IdentityChange {
  fact: IdentityFact;
  before?: string;
  after?: string;
}

export type IdentityMatch =
  | { kind: 'match'; hostId: number; criterion: IdentityCriterion; changes: IdentityChange[] }
  | { kind: 'none' }
  | { kind: 'conflict'; hostIds: number[]; message: string };

/** The identity facts of an inventory: UUID, serial and the MACs of its physical NICs. */
export function identityOf(inventory: Inventory): Identity {
  const macs = [...new Set(inventory.nics.filter((nic) => !nic.virtual).map((nic) => nic.mac))];
  return { uuid: inventory.system.uuid, serial: inventory.system.serial, macs };
}

/** Finds the one known host `identity` belongs to under `policy`; pure, no I/O. */
export function matchIdentity(identity: Identity, hosts: readonly KnownHost[], policy: readonly IdentityCriterion[] = DEFAULT_MATCH_POLICY): IdentityMatch {
  const facts = normalized(identity);
  const known = hosts.map((host) => ({ id: host.id, facts: normalized(host), host }));
  let decided: { criterion: IdentityCriterion; ids: number[] } | undefined;
  for (const criterion of policy) {
    if (!criterion.every((fact) => hasFact(facts, fact))) continue;
    const ids = known.filter((k) => criterion.every((fact) => factMatches(facts, k.facts, fact))).map((k) => k.id);
    if (ids.length === 0) continue;
    if (decided === undefined) {
      decided = { criterion, ids };
    } else if (ids.some((id) => !decided!.ids.includes(id))) {
      return conflict(
        [...new Set([...decided.ids, ...ids])],
        `${describe(decided.criterion)} points at host ${decided.ids.join(', ')} but ${describe(criterion)} points at host ${ids.join(', ')}`,
      );
    }
  }
  if (decided === undefined) return { kind: 'none' };
  if (decided.ids.length > 1) return conflict(decided.ids, `${describe(decided.criterion)} is shared by hosts ${decided.ids.join(', ')}`);
  const host = known.find((k) => k.id === decided!.ids[0])!;
  return { kind: 'match', hostId: host.id, criterion: decided.criterion, changes: changesBetween(host.facts, facts) };
}

interface Facts {
  uuid?: string;
  serial?: string;
  macs: Set<string>;
}

function normalized(identity: Identity): Facts {
  const facts: Facts = { macs: new Set(identity.macs.map((mac) => normalizeMac(mac)).filter((mac): mac is string => mac !== undefined)) };
  const uuid = identity.uuid?.trim().toLowerCase();
  const serial = identity.serial?.trim().toUpperCase();
  if (uuid) facts.uuid = uuid;
  if (serial) facts.serial = serial;
  return facts;
}

function hasFact(facts: Facts, fact: IdentityFact): boolean {
  return fact === 'mac' ? facts.macs.size > 0 : facts[fact] !== undefined;
}

function factMatches(mine: Facts, theirs: Facts, fact: IdentityFact): boolean {
  if (fact === 'mac') return [...mine.macs].some((mac) => theirs.macs.has(mac));
  return theirs[fact] !== undefined && theirs[fact] === mine[fact];
}

function changesBetween(before: Facts, after: Facts): IdentityChange[] {
  const changes: IdentityChange[] = [];
  for (const fact of ['uuid', 'serial'] as const) {
    if (before[fact] === after[fact]) continue;
    const change: IdentityChange = { fact };
    if (before[fact] !== undefined) change.before = before[fact];
    if (after[fact] !== undefined) change.after = after[fact];
    changes.push(change);
  }
  for (const mac of after.macs) if (!before.macs.has(mac)) changes.push({ fact: 'mac', after: mac });
  for (const mac of before.macs) if (!after.macs.has(mac)) changes.push({ fact: 'mac', before: mac });
  return changes;
}

function describe(criterion: IdentityCriterion): string {
  return criterion.map((fact) => (fact === 'mac' ? 'a MAC' : fact === 'uuid' ? 'the SMBIOS UUID' : 'the serial')).join(' + ');
}

function conflict(hostIds: number[], detail: string): IdentityMatch {
  return {
    kind: 'conflict',
    hostIds,
    message: `this machine's identity is ambiguous: ${detail}; merge or forget the stale host (dploy hosts forget <id>) and let the machine post its inventory again`,
  };
}

// dploy_hosts and dploy_host_macs: the machines dploy knows, whatever the
// platform. Platforms call these inside their own transactions so that the
// host tool's rows and dploy's rows are written together or not at all.

import type { EntityManager, InsertQueryBuilder, ObjectLiteral } from 'typeorm';
import { DployError } from '../errors.js';
import type { BootState, Host, NewHost } from '../model/host.js';
import type { Architecture } from '../model/inventory.js';
import { hostNameProblem } from '../model/host-name.js';
import { isUsableMac, normalizeMac } from '../model/mac.js';
import { bmcHostProblem } from '../model/bmc-host.js';
import { hostFromRow, newHostRow, type HostMacRow, type HostRow } from './host-rows.js';

export async function listHosts(db: EntityManager): Promise<Host[]> {
  const rows = await db.getRepository<HostRow>('Host').find({ order: { id: 'ASC' } });
  const macs = await db.getRepository<HostMacRow>('HostMac').find();
  const byHost = new Map<number, HostMacRow[]>();
  for (const mac of macs) {
    const list = byHost.get(Number(mac.host_id)) ?? [];
    list.push(mac);
    byHost.set(Number(mac.host_id), list);
  }
  return rows.map((row) => hostFromRow(row, byHost.get(Number(row.id)) ?? []));
}

/** Finds a host by id, name or any of its MACs: what an operator types. */
export async function findHost(db: EntityManager, ref: string | number): Promise<Host | undefined> {
  const hosts = db.getRepository<HostRow>('Host');
  let row: HostRow | null = null;
  const text = String(ref).trim();
  if (/^\d+$/.test(text)) row = await hosts.findOneBy({ id: Number(text) });
  row ??= await hosts.findOneBy({ name: text.toLowerCase() });
  const mac = normalizeMac(text);
  if (!row && mac) {
    const owner = await db.getRepository<HostMacRow>('HostMac').findOneBy({ mac });
    if (owner) row = await hosts.findOneBy({ id: Number(owner.host_id) });
  }
  return row ? loadMacs(db, row) : undefined;
}

export async function getHost(db: EntityManager, ref: string | number): Promise<Host> {
  const host = await findHost(db, ref);
  if (!host) throw new DployError('DPLOY_ERR_NOT_FOUND', `no host "${String(ref)}" (give an id, a name or a MAC)`);
  return host;
}

export async function addHost(db: EntityManager, input: NewHost, now = new Date()): Promise<Host> {
  const name = input.name.trim().toLowerCase();
  const problem = hostNameProblem(name);
  if (problem) throw new DployError('DPLOY_ERR_INVALID_INPUT', `host name "${input.name.slice(0, 80)}" ${problem}`);
  const macs = normalizeMacList(input.macs);
  const hosts = db.getRepository<HostRow>('Host');
  const taken = await hosts.findOne({ select: { id: true }, where: { name } });
  if (taken) throw new DployError('DPLOY_ERR_CONFLICT', `a host named ${name} already exists (id ${taken.id})`);
  const owned = await macOwners(db, macs);
  if (owned.length > 0) {
    const owner = await hosts.findOne({ select: { id: true, name: true }, where: { id: owned[0]!.host_id } });
    throw new DployError('DPLOY_ERR_CONFLICT', `MAC ${owned[0]!.mac} already belongs to host ${owner?.name ?? '?'} (id ${owned[0]!.host_id})`);
  }
  return insertHost(db, name, macs, input, now);
}

/**
 * Inserts a host and its MACs with no friendly pre-checks: the unique keys
 * on name and MAC are the arbiters (callers racing other writers retry on a
 * unique violation, see unique-retry.ts). `name` and `macs` are normalised.
 */
export async function insertHost(db: EntityManager, name: string, macs: string[], input: Omit<NewHost, 'name' | 'macs'>, now = new Date()): Promise<Host> {
  refuseBadBmcAddress(input.bmcAddress);
  const row = newHostRow(name, now, {
    uuid: input.uuid ?? null,
    serial: input.serial ?? null,
    arch: input.arch ?? null,
    bmc_address: input.bmcAddress ?? null,
    platform_ref: input.platformRef ?? null,
    ...manualBootMac(input.bootMac, macs),
  });

  // updateEntity(false) inside insertReturningId: typeorm would otherwise
  // re-select defaulted columns after each INSERT on MariaDB.
  const id = await insertReturningId(db, db.getRepository<HostRow>('Host').createQueryBuilder().insert().values(row));
  const macRows = macs.map((mac, position) => ({ mac, host_id: id, position, interface: null }));
  await insertMacs(db, macRows);
  return hostFromRow({ ...row, id }, macRows);
}

function manualBootMac(given: string | undefined, macs: string[]): Pick<HostRow, 'boot_mac' | 'boot_mac_source'> {
  if (given === undefined) return { boot_mac: null, boot_mac_source: null };
  const mac = normalizeMac(given);
  if (!mac || !macs.includes(mac))
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `boot NIC ${given.slice(0, 40)} is not one of the host's MACs (${macs.join(', ')})`);
  return { boot_mac: mac, boot_mac_source: 'manual' };
}

/** The rows of those MACs that some host already owns. */
export function macOwners(db: EntityManager, macs: string[]): Promise<HostMacRow[]> {
  return db.getRepository<HostMacRow>('HostMac').createQueryBuilder('m').where('m.mac IN (:...macs)', { macs }).getMany();
}

export async function forgetHost(db: EntityManager, id: number): Promise<void> {
  // dploy_host_macs, inventories, jobs and group membership go with it (ON DELETE CASCADE).
  await db.getRepository<HostRow>('Host').delete({ id });
}

export function normalizeMacList(input: string[]): string[] {
  if (input.length === 0) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'a host needs at least one MAC address');
  const macs: string[] = [];
  for (const raw of input) {
    const mac = normalizeMac(raw);
    if (!mac || !isUsableMac(mac)) {
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `"${raw.slice(0, 40)}" is not a usable NIC MAC address (expected e.g. 52:54:00:12:34:56)`);
    }
    if (!macs.includes(mac)) macs.push(mac);
  }
  return macs;
}

async function loadMacs(db: EntityManager, row: HostRow): Promise<Host> {
  const macs = await db.getRepository<HostMacRow>('HostMac').findBy({ host_id: Number(row.id) });
  return hostFromRow(row, macs);
}

/**
 * Inserts a host or, when one of its MACs is known, updates that host: what
 * every re-discovery and bulk import does. Returns the host id.
 */
export async function upsertHost(db: EntityManager, input: NewHost, now = new Date()): Promise<{ id: number; created: boolean }> {
  const macs = normalizeMacList(input.macs);
  const known = await macOwners(db, macs);
  const owners = new Set(known.map((m) => Number(m.host_id)));
  if (owners.size > 1) throw new DployError('DPLOY_ERR_CONFLICT', `MACs ${macs.join(', ')} belong to several hosts (${[...owners].join(', ')})`);
  const id = owners.values().next().value;
  refuseBadBmcAddress(input.bmcAddress);
  if (id === undefined) return { id: (await addHost(db, { ...input, macs }, now)).id, created: true };
  await db.getRepository<HostRow>('Host').update(
    { id },
    {
      uuid: input.uuid ?? null,
      serial: input.serial ?? null,
      bmc_address: input.bmcAddress ?? null,
      updated_at: now,
    },
  );
  const missing = macs.filter((mac) => !known.some((k) => k.mac === mac));
  if (missing.length > 0) {
    await insertMacs(
      db,
      missing.map((mac, i) => ({ mac, host_id: id, position: known.length + i, interface: null })),
    );
  }
  return { id, created: false };
}

/** dploy_hosts.bmc_address is where the BMC is, a host name or IP address: the way to reach it with credentials is `dploy hosts set --bmc`. */
function refuseBadBmcAddress(address: string | undefined): void {
  const problem = address === undefined ? undefined : bmcHostProblem(address);
  if (problem)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `BMC address: ${problem}. Give the BMC's host name or IP address (dploy hosts set HOST --bmc ipmi://user@host for power control)`,
    );
}

function insertMacs(db: EntityManager, rows: HostMacRow[]): Promise<unknown> {
  return db.getRepository<HostMacRow>('HostMac').createQueryBuilder().insert().values(rows).updateEntity(false).execute();
}

/** The generated id of a one-row INSERT, from what each driver hands back. */
export async function insertReturningId<T extends ObjectLiteral>(db: EntityManager, insert: InsertQueryBuilder<T>): Promise<number> {
  const returning = db.connection.driver.isReturningSqlSupported('insert');
  const result = await (returning ? insert.returning('id') : insert).updateEntity(false).execute();
  const raw: unknown = result.raw;
  const id =
    typeof raw === 'number' || typeof raw === 'bigint'
      ? raw // better-sqlite3: lastInsertRowid
      : Array.isArray(raw)
        ? (raw[0] as { id?: unknown } | undefined)?.id // PostgreSQL: RETURNING rows
        : (raw as { insertId?: unknown }).insertId; // mysql2: ResultSetHeader
  if (id === undefined || id === null) throw new Error('the database returned no id for the inserted row');
  return Number(id);
}

/** Sets what the machine gets at its next network boot (boot service reads it live). */
export async function setBootState(db: EntityManager, hostId: number, state: BootState, now = new Date()): Promise<void> {
  await db.getRepository<HostRow>('Host').update(
    { id: hostId },
    {
      boot_state: state.kind,
      boot_profile: state.kind === 'install' ? state.profile : null,
      boot_image: state.kind === 'restore' ? state.image : null,
      updated_at: now,
    },
  );
}

/** The host a network-booting machine is, by its boot MAC or, failing that, its SMBIOS UUID (DHCP option 97). */
export async function findBootingHost(db: EntityManager, request: { mac?: string; uuid?: string }): Promise<Host | undefined> {
  if (request.mac) {
    const byMac = await findHost(db, request.mac);
    if (byMac) return byMac;
  }
  if (request.uuid) {
    const rows = await db.getRepository<HostRow>('Host').find({ where: { uuid: request.uuid.toLowerCase() }, take: 2 });
    if (rows.length === 1) return loadMacs(db, rows[0]!);
  }
  return undefined;
}

/** A cheap mark that changes when a host or a MAC is added, changed or removed: readers compare it before re-reading them all. */
export async function hostsFingerprint(db: EntityManager): Promise<string> {
  const [hosts] = (await db.query('SELECT COUNT(*) AS n, MAX(updated_at) AS at FROM dploy_hosts')) as Array<{ n: number | string; at: unknown }>;
  const [macs] = (await db.query('SELECT COUNT(*) AS n FROM dploy_host_macs')) as Array<{ n: number | string }>;
  return `${hosts?.n}/${String(hosts?.at)}/${macs?.n}`;
}

// SSH access to machines, per host or as a group default (a host's own
// settings win field by field). Password, private key and passphrase are
// sealed with dploy's secret key before they reach the database and opened
// only to connect; what is listed says "set", never the value.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import type { SshTarget } from '../model/ssh-target.js';

/** Seals a secret for the database and opens it again (dploy's secret box, keyed by its key file). */
export interface SecretSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

interface RemoteAccessRow {
  id: number;
  host_id: number | null;
  group_id: number | null;
  address: string | null;
  port: number | null;
  ssh_user: string | null;
  password: string | null;
  private_key: string | null;
  passphrase: string | null;
  concurrency: number | null;
  updated_at: Date | string;
}

export type AccessScope = { hostId: number } | { groupId: number };

export interface AccessSettings {
  address?: string;
  port?: number;
  user?: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  /** Group default only: how many of its machines run a command at once. */
  concurrency?: number;
}

const SECRET_FIELDS = { password: 'password', privateKey: 'private_key', passphrase: 'passphrase' } as const;
const PLAIN_FIELDS = { address: 'address', port: 'port', user: 'ssh_user', concurrency: 'concurrency' } as const;

function where(scope: AccessScope): { host_id: number } | { group_id: number } {
  return 'hostId' in scope ? { host_id: scope.hostId } : { group_id: scope.groupId };
}

export async function setRemoteAccess(db: EntityManager, box: SecretSealer, scope: AccessScope, s: AccessSettings): Promise<void> {
  if (s.password !== undefined && s.privateKey !== undefined) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'give a password or a private key, not both');
  const repo = db.getRepository<RemoteAccessRow>('RemoteAccess');
  const changes: Partial<RemoteAccessRow> = { updated_at: new Date() };
  for (const [field, column] of Object.entries(PLAIN_FIELDS)) {
    const value = s[field as keyof typeof PLAIN_FIELDS];
    if (value !== undefined) (changes as Record<string, unknown>)[column] = value;
  }
  for (const [field, column] of Object.entries(SECRET_FIELDS)) {
    const value = s[field as keyof typeof SECRET_FIELDS];
    if (value !== undefined) (changes as Record<string, unknown>)[column] = box.seal(value);
  }
  // One way of logging in at a time: a new password drops the key, a new key the password.
  if (s.password !== undefined) Object.assign(changes, { private_key: null, passphrase: null });
  if (s.privateKey !== undefined) Object.assign(changes, { password: null, ...(s.passphrase === undefined ? { passphrase: null } : {}) });
  const existing = await repo.findOneBy(where(scope));
  if (existing) await repo.update({ id: existing.id }, changes);
  else await repo.insert({ host_id: null, group_id: null, ...where(scope), ...changes });
}

/** The host's row, then its groups' rows (lowest group id first), merged field by field. */
async function mergedRow(db: EntityManager, hostId: number): Promise<Partial<RemoteAccessRow> | undefined> {
  const repo = db.getRepository<RemoteAccessRow>('RemoteAccess');
  const own = await repo.findOneBy({ host_id: hostId });
  const groupIds = (await db.getRepository<{ group_id: number; host_id: number }>('GroupMember').findBy({ host_id: hostId }))
    .map((m) => Number(m.group_id))
    .sort((a, b) => a - b);
  const layers = [own, ...(await Promise.all(groupIds.map((group_id) => repo.findOneBy({ group_id }))))].filter((r): r is RemoteAccessRow => !!r);
  if (layers.length === 0) return undefined;
  const merged: Record<string, unknown> = {};
  for (const layer of [...layers].reverse()) for (const [k, v] of Object.entries(layer)) if (v !== null) merged[k] = v;
  // Password and key come as a pair from the same layer, so a group key does not mix with a host password.
  const auth = layers.find((l) => l.password !== null || l.private_key !== null);
  merged.password = auth?.password ?? null;
  merged.private_key = auth?.private_key ?? null;
  merged.passphrase = auth?.passphrase ?? null;
  return merged as Partial<RemoteAccessRow>;
}

/** How dploy logs in to this machine, or undefined when nobody gave it a way. */
export async function sshTargetFor(db: EntityManager, box: SecretSealer, host: { id: number; name: string }): Promise<SshTarget | undefined> {
  const row = await mergedRow(db, host.id);
  if (!row || (!row.password && !row.private_key)) return undefined;
  const auth = row.password
    ? { password: box.open(row.password) }
    : { privateKey: box.open(row.private_key!), ...(row.passphrase ? { passphrase: box.open(row.passphrase) } : {}) };
  return { address: row.address ?? host.name, port: Number(row.port ?? 22), user: row.ssh_user ?? 'root', auth };
}

/** "address:port" the host's key is pinned under, or by name and port 22 when nothing is set. */
export async function sshEndpointFor(db: EntityManager, host: { id: number; name: string }): Promise<string> {
  const row = await mergedRow(db, host.id);
  return `${row?.address ?? host.name}:${Number(row?.port ?? 22)}`;
}

export async function groupConcurrency(db: EntityManager, groupId: number): Promise<number | undefined> {
  const row = await db.getRepository<RemoteAccessRow>('RemoteAccess').findOneBy({ group_id: groupId });
  return row?.concurrency == null ? undefined : Number(row.concurrency);
}

/** What `dploy hosts show` may print: settings and which secrets are set, never their values. */
export async function describeAccess(db: EntityManager, hostId: number): Promise<Record<string, string> | undefined> {
  const row = await mergedRow(db, hostId);
  if (!row) return undefined;
  return {
    ...(row.address ? { address: row.address } : {}),
    port: String(row.port ?? 22),
    user: row.ssh_user ?? 'root',
    login: row.password ? 'password (set)' : row.private_key ? `private key (set)${row.passphrase ? ' with passphrase (set)' : ''}` : 'none',
  };
}

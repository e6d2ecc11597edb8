// Pinned SSH host keys (plugin/remote/host-key-trust.ts) in dploy's database,
// so every runner sharing it trusts the same keys. A refused key is remembered
// as "offered", and accepting it is an operator's act (`dploy hosts accept-key`).

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';

interface SshHostKeyRow {
  endpoint: string;
  fingerprint: string;
  offered_fingerprint: string | null;
  pinned_at: Date | string;
}

export interface PinnedKey {
  endpoint: string;
  fingerprint: string;
  offered?: string;
}

/** The pins plugin/remote/host-key-trust.ts checks against (its HostKeyPins), kept in dploy_ssh_host_keys. */
export function databasePins(db: EntityManager) {
  const repo = db.getRepository<SshHostKeyRow>('SshHostKey');
  return {
    async pinned(endpoint: string): Promise<string | undefined> {
      return (await repo.findOneBy({ endpoint }))?.fingerprint;
    },
    async pin(endpoint: string, fingerprint: string): Promise<void> {
      // Two runners meeting a new machine at once: the first pin stands, the second is checked against it next time.
      if (await repo.findOneBy({ endpoint })) return;
      await repo.insert({ endpoint, fingerprint, offered_fingerprint: null, pinned_at: new Date() });
    },
    async refused(endpoint: string, offered: string): Promise<void> {
      await repo.update({ endpoint }, { offered_fingerprint: offered });
    },
  };
}

export async function listPinnedKeys(db: EntityManager): Promise<PinnedKey[]> {
  const rows = await db.getRepository<SshHostKeyRow>('SshHostKey').find({ order: { endpoint: 'ASC' } });
  return rows.map((r) => ({ endpoint: r.endpoint, fingerprint: r.fingerprint, ...(r.offered_fingerprint ? { offered: r.offered_fingerprint } : {}) }));
}

/** Replaces the pin with the key the machine offered when it was last refused. */
export async function acceptOfferedKey(db: EntityManager, endpoint: string): Promise<PinnedKey> {
  const repo = db.getRepository<SshHostKeyRow>('SshHostKey');
  const row = await repo.findOneBy({ endpoint });
  if (!row) throw new DployError('DPLOY_ERR_NOT_FOUND', `no host key pinned for ${endpoint} (dploy hosts keys lists them); the first connection pins one`);
  if (!row.offered_fingerprint)
    throw new DployError('DPLOY_ERR_CONFLICT', `${endpoint} has offered no other key than its pinned ${row.fingerprint}; nothing to accept`);
  await repo.update({ endpoint }, { fingerprint: row.offered_fingerprint, offered_fingerprint: null, pinned_at: new Date() });
  return { endpoint, fingerprint: row.offered_fingerprint };
}

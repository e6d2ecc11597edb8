// Binds a job to one client address (docs/security.md). An install job: the
// first to fetch its boot entry (or, when that went another way, its answer
// file); its answer file and events are then refused to every other address.
// A discover job of a known machine: the first to post its inventory (its
// boot entry carries no secret, only the public enrollment token); other
// addresses' inventories are then refused. A conditional UPDATE, so two
// clients racing both see the same winner.

import { In, Not, type EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { runsInstaller, TERMINAL_STATES, type Job } from '../model/job.js';
import type { Host } from '../model/host.js';
import type { JobRow } from './job-rows.js';
import { activeJobForHost } from './jobs.js';

/** IPv4 clients reach a dual-stack socket as ::ffff:a.b.c.d, and TFTP sees a.b.c.d. */
export function plainAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** The address the job is bound to after this call: `address` if it was free. */
export async function bindJobAddress(db: EntityManager, jobId: number, address: string): Promise<string> {
  const plain = plainAddress(address).slice(0, 64);
  const repo = db.getRepository<JobRow>('Job');
  await repo.createQueryBuilder().update().set({ boot_address: plain }).where('id = :id AND boot_address IS NULL', { id: jobId }).execute();
  const row = await repo.findOne({ where: { id: jobId }, select: { id: true, boot_address: true } });
  return row?.boot_address ?? plain;
}

/** The host's unfinished discover job and the address it is bound to after this call, or undefined when it has none. */
export async function bindDiscoverJob(db: EntityManager, hostId: number, address: string): Promise<{ jobId: number; bound: string } | undefined> {
  const job = await db.getRepository<JobRow>('Job').findOne({
    where: { host_id: hostId, kind: 'discover', state: Not(In([...TERMINAL_STATES])) },
    select: { id: true },
    order: { id: 'DESC' },
  });
  return job ? { jobId: Number(job.id), bound: await bindJobAddress(db, Number(job.id), address) } : undefined;
}

/** Counts one answer-file fetch; false once `limit` fetches were served. */
export async function countAnswerFetch(db: EntityManager, jobId: number, limit: number): Promise<boolean> {
  const result = await db
    .getRepository<JobRow>('Job')
    .createQueryBuilder()
    .update()
    .set({ answer_fetches: () => 'answer_fetches + 1' })
    .where('id = :id AND answer_fetches < :limit', { id: jobId, limit })
    .execute();
  return (result.affected ?? 0) > 0;
}

/**
 * A boot entry that carries a job's token: the first client to fetch it binds
 * the job (docs/security.md); any other gets no entry, so never the token.
 * `dploy render` has no client and binds nothing.
 */
export async function bindBootEntry(db: EntityManager, job: Job, clientAddress: string | undefined): Promise<void> {
  if (!clientAddress) return;
  const from = plainAddress(clientAddress);
  const bound = await bindJobAddress(db, job.id, from);
  if (bound !== from)
    throw new DployError(
      'DPLOY_ERR_CONFLICT',
      `${job.kind} job ${job.id} is bound to ${bound}, which fetched its boot entry first; refused to ${from} (an attacker, or a machine whose address changed: see docs/security.md)`,
    );
}

/**
 * The machine's active job of `kind`, its boot entry bound to the address
 * asking (bindBootEntry): what an install or restore boot entry is rendered for.
 */
export async function boundBootJob(
  db: EntityManager,
  kind: 'install' | 'restore',
  host: Host | undefined,
  clientAddress: string | undefined,
): Promise<{ host: Host; job: Job }> {
  if (!host) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `${kind === 'install' ? 'an' : 'a'} ${kind} boot needs a known machine`);
  const job = await activeJobForHost(db, host.id);
  // The chain (rebuild) boots its installer as an install job does.
  if (!job?.token || (kind === 'install' ? !runsInstaller(job.kind) : job.kind !== kind))
    throw new DployError('DPLOY_ERR_BOOT_CONFIG', `${host.name} is set to ${kind} but has no active ${kind} job`);
  await bindBootEntry(db, job, clientAddress);
  return { host, job };
}

// What a machine's network boot tells dploy: the MAC its boot entry was
// served to is the NIC it booted from. For a job that is the job's boot NIC,
// which its answer file and post-install naming then use; for the host it is
// the boot NIC "seen at boot". A request's other facts (the address it came
// from) belong here too, next to the MAC.

import type { DataSource, EntityManager } from 'typeorm';
import type { Host } from '../model/host.js';
import type { Job } from '../model/job.js';
import type { HostMacRow, HostRow } from './host-rows.js';
import type { JobRow } from './job-rows.js';
import { findBootingHost } from './hosts.js';
import { activeJobForHost } from './jobs.js';
import { bindJobAddress } from './job-binding.js';

export interface BootRequest {
  /** The boot NIC, normalised: the MAC in the file name or iPXE query. */
  mac: string;
}

/** Binds the request to the job it booted, and teaches the host its boot NIC. */
export async function recordBootRequest(db: EntityManager, job: Pick<Job, 'id' | 'hostId' | 'bootMac'>, request: BootRequest, now = new Date()): Promise<void> {
  if (job.bootMac !== request.mac) await db.getRepository<JobRow>('Job').update({ id: job.id }, { boot_mac: request.mac, updated_at: now });
  await recordSeenBootNic(db, { id: job.hostId }, request.mac, now);
}

/**
 * The host booted (or, at discovery, says it booted) from `mac`. Ignored for
 * a MAC the host does not own: a BOOTIF is posted by the machine, and only
 * its own NICs can be its boot NIC. Returns whether the MAC is the host's.
 */
export async function recordSeenBootNic(db: EntityManager, host: Pick<Host, 'id' | 'bootNic'>, mac: string, now = new Date()): Promise<boolean> {
  if (host.bootNic?.mac === mac && host.bootNic.source === 'seen') return true;
  const owned = await db.getRepository<HostMacRow>('HostMac').findOneBy({ mac, host_id: host.id });
  if (!owned) return false;
  await db.getRepository<HostRow>('Host').update({ id: host.id }, { boot_mac: mac, boot_mac_source: 'seen', updated_at: now });
  return true;
}

/** The boot service's view of dploy's machines (plugin/boot/boot-service.ts: BootHosts). */
export function bootHosts(db: DataSource) {
  return {
    find: (request: { mac?: string; uuid?: string }) => findBootingHost(db.manager, request),
    booted: (host: Host, mac: string, clientAddress?: string) => recordBoot(db.manager, host, mac, clientAddress),
  };
}

/**
 * A network-booting job is bound to the NIC it booted from; any boot teaches
 * the host its boot NIC. A discover job is also bound to the first address
 * that fetches its entry: only that address may then post the machine's
 * inventory (job-binding.ts; an install job binds in its image provider).
 */
async function recordBoot(db: EntityManager, host: Host, mac: string, clientAddress: string | undefined): Promise<void> {
  const job = host.bootState.kind === 'localboot' ? undefined : await activeJobForHost(db, host.id);
  if (job?.kind === 'discover' && clientAddress) await bindJobAddress(db, job.id, clientAddress);
  if (job) await recordBootRequest(db, job, { mac });
  else await recordSeenBootNic(db, host, mac);
}

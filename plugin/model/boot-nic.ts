// The boot NIC: the NIC a machine network-boots from (docs/pxe.md,
// "The boot NIC"). A job knows it for certain once its boot entry was served (the
// request's MAC); before that, the host's boot NIC is the best knowledge,
// and without one the first MAC is only a guess.

import type { Host } from './host.js';
import type { Job } from './job.js';

export type BootNicWhy = 'boot request' | 'seen' | 'manual' | 'guessed';

export interface BootNic {
  mac: string;
  why: BootNicWhy;
}

const WORDS: Record<BootNicWhy, string> = {
  'boot request': "the NIC this job's boot entry was served to",
  seen: 'seen at boot',
  manual: 'given by hand',
  guessed: 'guessed: the first MAC dploy learnt, no boot seen yet',
};

export function describeBootNic(nic: BootNic): string {
  return WORDS[nic.why];
}

/** The host's boot NIC as dploy knows it; undefined only for a host without MACs. */
export function hostBootNic(host: Pick<Host, 'macs' | 'bootNic'>): BootNic | undefined {
  if (host.bootNic) return { mac: host.bootNic.mac, why: host.bootNic.source };
  const first = host.macs[0];
  return first ? { mac: first, why: 'guessed' } : undefined;
}

/** A job's boot NIC: the one its boot entry went to, else (before the machine booted) the host's. */
export function jobBootNic(job: Pick<Job, 'bootMac'>, host: Pick<Host, 'macs' | 'bootNic'>): BootNic | undefined {
  return job.bootMac ? { mac: job.bootMac, why: 'boot request' } : hostBootNic(host);
}

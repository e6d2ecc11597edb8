// What an install job's answer file, its boot entry and the runner's check
// when the job opens are all built from: the profile as stored, the machine's
// latest inventory, the host and the job. Read in one place, so the three
// cannot disagree about which facts they saw.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import { jobBootNic } from '../../model/boot-nic.js';
import type { Host } from '../../model/host.js';
import type { Job } from '../../model/job.js';
import { latestInventory } from '../../store/inventories.js';
import type { AnswerInputs } from './answer-context.js';
import type { MirrorView } from '../media/install-source.js';
import { openProfile } from '../profiles/profile.js';
import { getProfile } from '../profiles/profile-store.js';
import type { SecretBox } from '../../secret-box.js';

export interface JobAnswerSources {
  httpBaseUrl: string;
  mirror?: MirrorView;
  /** The MAC the boot entry being rendered goes to; otherwise the job's recorded one (model/boot-nic.ts). */
  bootMac?: string;
  /** Opens the sealed password hashes: only the answer file itself carries them. */
  secrets?: SecretBox;
  /** runner.installTimeoutSeconds: how long the installer's callbacks retry. */
  callbackSeconds?: number;
}

export async function jobAnswerInputs(db: EntityManager, host: Host, job: Job, profileName: string, o: JobAnswerSources): Promise<AnswerInputs> {
  const stored = await getProfile(db, profileName);
  const bootNic = o.bootMac ? { mac: o.bootMac, why: 'boot request' as const } : jobBootNic(job, host);
  if (!bootNic) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${host.name}: the boot NIC's MAC is not known, so the installer cannot be pinned to it`);
  return {
    host,
    job,
    profile: o.secrets ? openProfile(stored, o.secrets) : stored,
    inventory: (await latestInventory(db, host.id))?.inventory,
    httpBaseUrl: o.httpBaseUrl,
    bootNic,
    ...(o.mirror ? { mirror: o.mirror } : {}),
    ...(o.callbackSeconds ? { callbackSeconds: o.callbackSeconds } : {}),
  };
}

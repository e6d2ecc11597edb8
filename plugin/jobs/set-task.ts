// Setting a task from dploy's CLI or API: refused with the reason when a
// machine is busy, or, with force, the running job is cancelled (with an
// event saying why) and the new task set.

import type { DataSource, EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import type { Platform } from '../platforms/index.js';
import type { TaskKind } from '../model/task.js';
import { activeJobForHost } from '../store/jobs.js';
import { getGroup } from '../store/groups.js';
import { getHost } from '../store/hosts.js';
import { setRemoteCommand } from '../store/remote-commands.js';
import { setImageEngine, type ImageEngine } from '../store/image-engines.js';
import { recordAudit } from '../store/audit-log.js';
import { getProfile } from '../installers/index.js';
import { endJob } from './job-step.js';
import { kindSpec, type JobKinds } from './kinds/index.js';
import { reportStatus, SILENT_LOG } from './runner.js';

export interface SetTaskRequest {
  hostIds: number[];
  task: TaskKind;
  profile?: string;
  image?: string;
  /** image: the capture engine (tar, the default, or mondo: the machine's own mondoarchive; docs/images.md). */
  engine?: ImageEngine;
  /** The command a `command` task runs; groupId when given to a group (its concurrency limit applies). */
  command?: string;
  groupId?: number;
  force: boolean;
  actor: string;
}

/** What an operator names: a host (id, name or MAC) or "@group", as the machines it means. */
export async function taskTargets(db: EntityManager, target: string): Promise<{ hostIds: number[]; groupId?: number }> {
  if (!target.startsWith('@')) return { hostIds: [(await getHost(db, target)).id] };
  const group = await getGroup(db, target.slice(1));
  if (group.hostIds.length === 0) throw new DployError('DPLOY_ERR_INVALID_INPUT', `group ${group.name} has no members`);
  return { hostIds: group.hostIds, groupId: group.id };
}

export async function setTask(db: DataSource, platform: Platform, kinds: JobKinds, r: SetTaskRequest): Promise<{ cancelled: number[] }> {
  kindSpec(kinds, r.task);
  if ((r.task === 'install' || r.task === 'rebuild') && !r.profile) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${r.task} needs --profile`);
  if (r.task === 'restore' && !r.image) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'restore needs --image');
  if (r.engine && r.task !== 'image') throw new DployError('DPLOY_ERR_INVALID_INPUT', `--engine is an image task's option, not ${r.task}'s`);
  if (r.task === 'command' && !r.command?.trim()) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'command needs --run "<command>"');
  // An install of a profile that does not exist would only fail at boot time.
  if (r.task === 'install' || r.task === 'rebuild') await getProfile(db.manager, r.profile!);
  if (!platform.setTask)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `the ${platform.name} platform takes tasks from its console (administrative data DPLOYTASK), not from dploy's CLI`,
    );
  const busy = [];
  for (const hostId of r.hostIds) {
    const job = await activeJobForHost(db.manager, hostId);
    if (job) busy.push(job);
  }
  if (busy.length > 0 && !r.force) {
    const list = busy.map((j) => `host ${j.hostId}: ${j.kind} job ${j.id} (${j.state})`).join('; ');
    throw new DployError('DPLOY_ERR_CONFLICT', `busy: ${list}; cancel first (dploy jobs cancel <id>) or use --force to replace`);
  }
  const cancelled: number[] = [];
  for (const job of busy) {
    const ended = await endJob(
      db,
      kindSpec(kinds, job.kind),
      job,
      'cancelled',
      `replaced by ${r.task}${r.profile ? ` ${r.profile}` : ''} (--force, ${r.actor})`,
      r.actor,
    );
    if (ended) {
      cancelled.push(job.id);
      await reportStatus({ platform, kinds, log: SILENT_LOG }, ended);
    }
  }
  if (r.task === 'command') await setRemoteCommand(db.manager, r.hostIds, r.command!, r.groupId);
  if (r.task === 'image') await setImageEngine(db.manager, r.hostIds, r.engine ?? 'tar');
  await platform.setTask(r.hostIds, r.task, { ...(r.profile ? { profile: r.profile } : {}), ...(r.image ? { image: r.image } : {}) });
  await recordAudit(db.manager, {
    actor: r.actor,
    action: 'task.set',
    target: r.groupId !== undefined ? `group ${r.groupId}` : `host ${r.hostIds.join(',')}`,
    detail: [
      r.task,
      r.profile ?? r.image,
      r.engine && r.engine !== 'tar' ? `engine ${r.engine}` : undefined,
      r.force ? '--force' : undefined,
      cancelled.length ? `cancelled ${cancelled.join(',')}` : undefined,
    ]
      .filter(Boolean)
      .join(' '),
  });
  return { cancelled };
}

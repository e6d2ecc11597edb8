// command: run the operator's command on the machine over SSH (plugin/remote)
// and keep its output and exit status in the job's event log. A task given to
// a group waits for a slot while the group's concurrency limit is reached.
//
//   queued ──(access, command, slot)──► running ──(exit 0)──► done
//      │  └─(no slot: waits, re-checked each tick)   └──(exit ≠ 0, deadline, refused)──► failed
//      └─(no SSH access or no command)──► failed

import { appendEvent } from '../../store/jobs.js';
import { markRunning, remoteCommandFor, runningInGroup } from '../../store/remote-commands.js';
import { extendLease, leaveUntil } from '../../store/job-claims.js';
import { groupConcurrency, sshTargetFor } from '../../store/remote-access.js';
import { databasePins } from '../../store/ssh-host-keys.js';
import type { SecretBox } from '../../secret-box.js';
import { commandFailure, runCommand, type CommandResult } from '../../remote/ssh-command.js';
import { describeTarget } from '../../remote/ssh-target.js';
import type { JobKindSpec, StepContext, StepResult, WorkContext } from '../job-kind.js';

export interface RemoteSettings {
  /** Opened only when a command job runs, so other commands need no key file. */
  secrets: () => SecretBox;
  deadlineSeconds: number;
  /** Output kept in the event log (head and tail). */
  capBytes: number;
  /** Machines of one group running a command at once when the group sets none. */
  defaultConcurrency: number;
}

export const REMOTE_DEFAULTS = { deadlineSeconds: 600, capBytes: 16 * 1024, defaultConcurrency: 10 } as const;

/** How often a job waiting for its group's slot looks again. */
const SLOT_RECHECK_SECONDS = 2;

/** One event holds 2048 characters: longer output goes in several, in order. */
const EVENT_CHARS = 2000;
/** How long past its deadline a command job may stay running before it is taken for a runner that died. */
const RUNNER_GONE_SECONDS = 300;

interface Ran {
  who: string;
  result: CommandResult;
}

export function commandKind(s: RemoteSettings): JobKindSpec {
  const queued = async ({ db, host, job, now }: StepContext): Promise<StepResult> => {
    const task = await remoteCommandFor(db, host.id);
    if (!task) return { to: 'failed', message: 'no command was given with the task (dploy task set HOST command --run "…"; in OCS, DPLOYCOMMAND)' };
    const target = await sshTargetFor(db, s.secrets(), host);
    if (!target) return { to: 'failed', message: `no SSH access for ${host.name}: set it with dploy hosts ssh ${host.name} (or @group)` };
    if (task.groupId !== undefined) {
      const limit = (await groupConcurrency(db, task.groupId)) ?? s.defaultConcurrency;
      const running = await runningInGroup(db, task.groupId);
      if (running >= limit) {
        const until = new Date(now.getTime() + SLOT_RECHECK_SECONDS * 1000);
        return {
          to: 'queued',
          message: `waiting for a slot: ${running} of ${limit} machines of the group are running the command`,
          after: (tx) => leaveUntil(tx, job.id, until),
        };
      }
    }
    return { to: 'running', message: `running on ${describeTarget(target)}: ${task.command}`, after: (tx) => markRunning(tx, host.id, job.id) };
  };

  const work = async ({ db, host, job, owner }: WorkContext): Promise<Ran> => {
    const task = await remoteCommandFor(db, host.id);
    const target = await sshTargetFor(db, s.secrets(), host);
    if (!task || !target) throw new Error(`the command or SSH access of ${host.name} was removed while job ${job.id} ran`);
    // The lease outlives the state's timeout: a runner that dies mid-command leaves the job to the timeout
    // (failed, "stopped before it finished"), never to another runner that would run the command twice.
    await extendLease(db, job.id, owner, new Date(Date.now() + (s.deadlineSeconds + RUNNER_GONE_SECONDS + 60) * 1000));
    const result = await runCommand(target, task.command, { pins: databasePins(db), deadlineMs: s.deadlineSeconds * 1000, capBytes: s.capBytes });
    return { who: describeTarget(target), result };
  };

  const record = async ({ db, job, now, work: done }: StepContext): Promise<StepResult> => {
    const { who, result } = done as Ran;
    await markRunning(db, job.hostId, null);
    const out = result.output;
    const parts = Math.ceil(out.text.length / EVENT_CHARS);
    for (let i = 0; i < parts; i++) {
      await appendEvent(db, {
        job_id: job.id,
        at: now,
        from_state: 'running',
        to_state: 'running',
        message: `output ${i + 1}/${parts}:\n${out.text.slice(i * EVENT_CHARS, (i + 1) * EVENT_CHARS)}`,
        actor: 'remote',
      });
    }
    const size = `${out.totalBytes} bytes of output${out.droppedBytes ? `, ${out.droppedBytes} dropped from the middle` : ''}, ${(result.ms / 1000).toFixed(1)} s`;
    const failure = commandFailure(who, result, s.deadlineSeconds * 1000);
    return failure ? { to: 'failed', message: `${failure.message} (${size})` } : { to: 'done', message: `${who}: exit status 0 (${size})` };
  };

  return {
    kind: 'command',
    doneStatus: 'command done, exit status 0',
    states: {
      queued: { step: 1, status: 'command queued', next: ['queued', 'running', 'failed'], run: queued },
      running: {
        step: 2,
        status: 'running the command',
        work,
        next: ['done', 'failed'],
        run: record,
        // Only a runner that died mid-command leaves a job here this long.
        timeoutSeconds: s.deadlineSeconds + RUNNER_GONE_SECONDS,
        timeoutMessage: 'the runner running the command stopped before it finished',
      },
    },
    // Failed, cancelled or timed out: the machine's slot is free again.
    onEnd: (db, job) => markRunning(db, job.hostId, null),
  };
}

// install: boot the machine into its distribution's installer with the
// profile's answer file, wait for the installer's callbacks, hand the disk
// back to local boot.

import { DployError } from '../../errors.js';
import { setBootState } from '../../store/hosts.js';
import type { AgentEvent, JobKindSpec, JobTimeouts, StepContext, StateSpec } from '../job-kind.js';
import { bootStateStep, LOCALBOOT } from './boot-steps.js';

/** Rejects (DployError, with the reason) a job that can never install: plugin/installers/answers/install-preflight.ts. */
export type InstallCheck = (ctx: StepContext) => Promise<void>;

/** The two waits on the installer, shared with the chain (rebuild.ts): booting it, then installing; `then` adds the events that end the install. */
export function installerWaits(timeouts: JobTimeouts, step: number, then: Partial<Record<AgentEvent, string>>): { booting: StateSpec; installing: StateSpec } {
  const minutes = (s: number) => `${Math.round(s / 60)} min`;
  return {
    booting: {
      step,
      status: 'waiting for the machine to boot the {profile} installer',
      on: { 'answer-fetched': 'installing', started: 'installing', failed: 'failed' },
      timeoutSeconds: timeouts.bootSeconds,
      timeoutMessage: `answer file not fetched within ${minutes(timeouts.bootSeconds)}`,
    },
    installing: {
      step: step + 1,
      status: 'installing {profile}',
      on: { started: 'installing', failed: 'failed', ...then },
      timeoutSeconds: timeouts.installSeconds,
      timeoutMessage: `installer did not report "installed" within ${minutes(timeouts.installSeconds)}`,
    },
  };
}

export function installKind(timeouts: JobTimeouts, check?: InstallCheck): JobKindSpec {
  const boot = bootStateStep(
    (job) => ({ kind: 'install', profile: job.profile ?? '' }),
    'booting',
    (job) => `boot state set to install:${job.profile ?? ''}; waiting for the machine to boot the installer`,
  );
  const queued: NonNullable<StateSpec['run']> = async (ctx) => {
    try {
      await check?.(ctx);
    } catch (err) {
      // Missing inventory, no disk, wrong arch, no tree: retrying cannot help. Database errors are retried.
      if (err instanceof DployError) return { to: 'failed', message: `cannot install ${ctx.job.profile ?? ''}: ${err.message}` };
      throw err;
    }
    return boot(ctx);
  };
  return {
    kind: 'install',
    doneStatus: 'deployed {profile}',
    states: {
      queued: {
        step: 1,
        status: 'install {profile} queued',
        next: ['booting', 'failed'],
        run: queued,
      },
      ...installerWaits(timeouts, 2, { installed: 'finishing' }),
      finishing: {
        step: 4,
        status: 'finishing {profile}',
        next: ['done'],
        run: bootStateStep(
          () => LOCALBOOT,
          'done',
          (job) => `installed ${job.profile ?? ''}; boot state back to localboot`,
        ),
      },
    },
    onEnd: (db, job) => setBootState(db, job.hostId, LOCALBOOT),
  };
}

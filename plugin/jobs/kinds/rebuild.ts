// rebuild, the chain "backup, reinstall, restore": capture the machine over
// SSH (capture-steps.ts), reinstall it with the task's profile (the install
// flow: boot state install:PROFILE, the answer file, the installer's
// callbacks), and restore the chosen paths of the image into the freshly
// installed system from the installer's post-install script
// (agent-scripts/dploy-restore --paths; docs/decisions.md says why there).
// One job, so a machine still has one active job; each stage is its states.
//
//   queued ─► capturing ─► rebooting ─► booting ─answer-fetched─► installing ─restoring─► restoring-paths ─installed─► finishing ─► done
//     │          └─(capture failed)─► failed      └─failed─► failed  ├─installed─► unrestored ─► failed   └─failed─► failed
//     └─(cannot install, no SSH access, name taken, no paths)─► failed └─failed─► failed

import { DployError } from '../../errors.js';
import { imageNameOf } from '../../images/image-store.js';
import { rebootOverSsh } from '../../remote/reboot.js';
import { setBootState } from '../../store/hosts.js';
import { sshTargetFor } from '../../store/remote-access.js';
import { databasePins } from '../../store/ssh-host-keys.js';
import type { JobKindSpec, JobTimeouts, StepContext, StepResult } from '../job-kind.js';
import { LOCALBOOT } from './boot-steps.js';
import { captureRefusal, captureWork, recordCapture, type ImageSettings } from './capture-steps.js';
import { installerWaits, type InstallCheck } from './install.js';

export function rebuildKind(timeouts: JobTimeouts, s: ImageSettings, check?: InstallCheck): JobKindSpec {
  const minutes = (sec: number) => `${Math.round(sec / 60)} min`;
  const paths = (s.restorePaths ?? []).join(', ');

  const queued = async (ctx: StepContext): Promise<StepResult> => {
    const profile = ctx.job.profile ?? '';
    if (!profile) return { to: 'failed', message: 'a rebuild needs a profile to reinstall with' };
    if (!s.restorePaths?.length) return { to: 'failed', message: 'no paths to restore after the reinstall: set images.restorePaths (docs/images.md)' };
    try {
      await check?.(ctx);
    } catch (err) {
      // Checked before the capture: a chain that can never install must not take the machine's image first.
      if (err instanceof DployError) return { to: 'failed', message: `cannot install ${profile}: ${err.message}` };
      throw err;
    }
    const refused = await captureRefusal(s, ctx);
    if (refused) return { to: 'failed', message: refused };
    return { to: 'capturing', message: `capturing ${ctx.host.name} into image ${imageNameOf(ctx.job, ctx.host)} over SSH before reinstalling ${profile}` };
  };

  const captured = async (ctx: StepContext): Promise<StepResult> => {
    const r = await recordCapture(ctx, s);
    if ('failed' in r) return { to: 'failed', message: `capture: ${r.failed}` };
    await setBootState(ctx.db, ctx.job.hostId, { kind: 'install', profile: ctx.job.profile ?? '' });
    return { to: 'rebooting', message: `${r.done}; boot state set to install:${ctx.job.profile ?? ''}` };
  };

  // The machine still runs its old system: asked over SSH to reboot, it network-boots into the installer.
  const reboot = async ({ db, host }: { db: StepContext['db']; host: StepContext['host'] }): Promise<string> => {
    const target = await sshTargetFor(db, s.secrets(), host);
    if (!target) return `no SSH access any more to reboot ${host.name}; waiting for someone to power-cycle it`;
    try {
      return `${await rebootOverSsh(target, { pins: databasePins(db), ...(s.rebootCommand ? { command: s.rebootCommand } : {}) })}; waiting for the installer`;
    } catch (err) {
      if (err instanceof DployError) return `${err.message}; waiting for someone to power-cycle the machine`;
      throw err;
    }
  };

  return {
    kind: 'rebuild',
    doneStatus: 'rebuilt with {profile}',
    states: {
      queued: { step: 1, status: 'rebuild with {profile} queued', next: ['capturing', 'failed'], run: queued },
      capturing: {
        step: 2,
        status: 'capturing the machine over SSH before reinstalling {profile}',
        work: captureWork(s),
        next: ['rebooting', 'failed'],
        run: captured,
        timeoutSeconds: s.captureTimeoutSeconds + 300,
        timeoutMessage: 'the runner capturing the image stopped before it finished',
      },
      rebooting: {
        step: 3,
        status: 'rebooting the machine into the {profile} installer',
        work: reboot,
        next: ['booting'],
        run: async ({ work }) => ({ to: 'booting', message: work as string }),
      },
      ...installerWaits(timeouts, 3, { restoring: 'restoring-paths', installed: 'unrestored' }),
      // The installer finished without the post-install restore having begun: never reported done.
      unrestored: {
        step: 5,
        status: 'the installer finished without restoring the chosen paths',
        next: ['failed'],
        run: async () => ({
          to: 'failed',
          message: `the installer reported "installed" but ${paths} were never restored (dploy-restore --paths did not run: see the post-install log on the machine)`,
        }),
      },
      'restoring-paths': {
        step: 5,
        status: `restoring ${paths} into the installed system`,
        on: { restoring: 'restoring-paths', installed: 'finishing', failed: 'failed' },
        timeoutSeconds: timeouts.installSeconds,
        timeoutMessage: `the restore of ${paths} did not end within ${minutes(timeouts.installSeconds)}`,
      },
      finishing: {
        step: 6,
        status: 'finishing the rebuild with {profile}',
        next: ['done'],
        run: async ({ db, job, host }) => {
          await setBootState(db, job.hostId, LOCALBOOT);
          return {
            to: 'done',
            message: `reinstalled ${job.profile ?? ''}, ${paths} restored from image ${imageNameOf(job, host)}; boot state back to localboot`,
          };
        },
      },
    },
    onEnd: (db, job) => setBootState(db, job.hostId, LOCALBOOT),
  };
}

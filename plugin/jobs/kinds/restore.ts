// restore: boot the machine into dploy's boot environment with the image's
// restore entry; there agent-scripts/dploy-restore fetches the plan and the
// archives (/images/<token>/…), reports "started" before its first write and
// "installed" once every filesystem is restored and the bootloader is in;
// the disk then goes back to local boot.
//
//   queued ──(image recorded)──► booting ──started──► restoring ──installed──► finishing ──► done
//      └─(no such image)──► failed       └─failed──► failed     └─failed──► failed
//
// A Mondo image: mindi and mondorestore report nothing; booting goes to finishing when the machine network-boots
// again after mindi's entry was served (plugin/images/restore-boot.ts).

import { NO_MONDO_NETFS } from '../../images/mindi-pxe.js';
import { setBootState } from '../../store/hosts.js';
import { findImage } from '../../store/images.js';
import type { JobKindSpec, JobTimeouts, StepContext, StepResult } from '../job-kind.js';
import { bootStateStep, LOCALBOOT } from './boot-steps.js';

export function restoreKind(timeouts: JobTimeouts, mondoNetfs?: string): JobKindSpec {
  const minutes = (s: number) => `${Math.round(s / 60)} min`;
  const boot = bootStateStep(
    (job) => ({ kind: 'restore', image: job.image ?? '' }),
    'booting',
    (job) => `boot state set to restore:${job.image ?? ''}; waiting for the machine to boot dploy's boot environment`,
  );
  const queued = async (ctx: StepContext): Promise<StepResult> => {
    const name = ctx.job.image ?? '';
    const image = await findImage(ctx.db, name);
    if (!image) return { to: 'failed', message: `no image "${name}" to restore (dploy images list)` };
    if (image.kind === 'mondo' && !mondoNetfs)
      return { to: 'failed', message: `image ${name} is a Mondo ISO set, restored by mindi over NFS: ${NO_MONDO_NETFS}` };
    return boot(ctx);
  };
  return {
    kind: 'restore',
    doneStatus: 'restored {image}',
    states: {
      queued: { step: 1, status: 'restore of {image} queued', next: ['booting', 'failed'], run: queued },
      booting: {
        step: 2,
        status: 'waiting for the machine to boot the restore of {image}',
        on: { started: 'restoring', failed: 'failed' },
        timeoutSeconds: timeouts.bootSeconds,
        timeoutMessage: `the restore did not start within ${minutes(timeouts.bootSeconds)}`,
      },
      restoring: {
        step: 3,
        status: 'restoring {image}',
        on: { started: 'restoring', installed: 'finishing', failed: 'failed' },
        timeoutSeconds: timeouts.installSeconds,
        timeoutMessage: `the restore did not report "installed" within ${minutes(timeouts.installSeconds)}`,
      },
      finishing: {
        step: 4,
        status: 'finishing the restore of {image}',
        next: ['done'],
        run: bootStateStep(
          () => LOCALBOOT,
          'done',
          (job) => `restored ${job.image ?? ''}; boot state back to localboot`,
        ),
      },
    },
    onEnd: (db, job) => setBootState(db, job.hostId, LOCALBOOT),
  };
}

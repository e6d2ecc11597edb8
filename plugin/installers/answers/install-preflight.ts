// Can this install job ever succeed? Checked when the runner opens the job,
// before the machine's boot state changes: no inventory, no disk for the
// profile's policy, another architecture, a release with no tree to install
// from, a profile that is gone. Each fails the job at once with the reason,
// instead of a machine PXE-booting into an installer that cannot be answered
// and the job timing out twenty minutes later.

import type { EntityManager } from 'typeorm';
import type { Host } from '../../model/host.js';
import type { Job } from '../../model/job.js';
import { answerData } from './answer-context.js';
import type { MirrorView } from '../media/install-source.js';
import { jobAnswerInputs } from './job-answer.js';

/** Throws a DployError saying why the job cannot install; resolves when it can. */
export type InstallPreflight = (db: EntityManager, host: Host, job: Job) => Promise<void>;

export function installPreflight(mirror?: MirrorView): InstallPreflight {
  return async (db, host, job) => {
    // The URLs are not used here; the same checks as the answer file and the boot entry run.
    answerData(
      await jobAnswerInputs(db, host, { ...job, token: job.token ?? 'preflight' }, job.profile ?? '', {
        httpBaseUrl: 'http://dploy.invalid',
        ...(mirror ? { mirror } : {}),
      }),
    );
  };
}

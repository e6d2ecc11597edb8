// The step most tables share: set the machine's boot state, move on.

import type { BootState } from '../../model/host.js';
import type { Job } from '../../model/job.js';
import { setBootState } from '../../store/hosts.js';
import type { StateSpec } from '../job-kind.js';

export function bootStateStep(bootState: (job: Job) => BootState, to: string, message: (job: Job) => string): NonNullable<StateSpec['run']> {
  return async ({ db, job }) => {
    await setBootState(db, job.hostId, bootState(job));
    return { to, message: message(job) };
  };
}

export const LOCALBOOT: BootState = { kind: 'localboot' };

// discover: boot the machine into mindi so it posts a fresh inventory, then
// back to local boot. For a machine dploy already knows (rediscovery after a
// hardware change); unknown machines are discovered without a job.

import { setBootState } from '../../store/hosts.js';
import type { JobKindSpec, JobTimeouts } from '../job-kind.js';
import { bootStateStep, LOCALBOOT } from './boot-steps.js';

export function discoverKind(timeouts: JobTimeouts): JobKindSpec {
  return {
    kind: 'discover',
    doneStatus: 'discovered',
    states: {
      queued: {
        step: 1,
        status: 'discovery queued',
        next: ['booting'],
        run: bootStateStep(
          () => ({ kind: 'discover' }),
          'booting',
          () => 'boot state set to discover; waiting for the inventory from mindi',
        ),
      },
      booting: {
        step: 2,
        status: 'waiting for the inventory from discovery',
        on: { inventory: 'finishing', failed: 'failed' },
        timeoutSeconds: timeouts.bootSeconds,
        timeoutMessage: `no inventory posted within ${Math.round(timeouts.bootSeconds / 60)} min`,
      },
      finishing: {
        step: 3,
        status: 'finishing discovery',
        next: ['done'],
        run: bootStateStep(
          () => LOCALBOOT,
          'done',
          () => 'inventory received; boot state back to localboot',
        ),
      },
    },
    onEnd: (db, job) => setBootState(db, job.hostId, LOCALBOOT),
  };
}

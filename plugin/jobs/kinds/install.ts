// install: boot the machine into its distribution's installer with the
// profile's answer file, wait for the installer's callbacks, hand the disk
// back to local boot.

import { setBootState } from '../../store/hosts.js';
import type { JobKindSpec, JobTimeouts } from '../job-kind.js';
import { bootStateStep, LOCALBOOT } from './boot-steps.js';

export function installKind(timeouts: JobTimeouts): JobKindSpec {
  const minutes = (s: number) => `${Math.round(s / 60)} min`;
  return {
    kind: 'install',
    doneStatus: 'deployed {profile}',
    states: {
      queued: {
        step: 1,
        status: 'install {profile} queued',
        run: bootStateStep((job) => ({ kind: 'install', profile: job.profile ?? '' }), 'booting',
          (job) => `boot state set to install:${job.profile ?? ''}; waiting for the machine to boot the installer`),
      },
      booting: {
        step: 2,
        status: 'waiting for the machine to boot the {profile} installer',
        on: { 'answer-fetched': 'installing', started: 'installing', failed: 'failed' },
        timeoutSeconds: timeouts.bootSeconds,
        timeoutMessage: `answer file not fetched within ${minutes(timeouts.bootSeconds)}`,
      },
      installing: {
        step: 3,
        status: 'installing {profile}',
        on: { started: 'installing', installed: 'finishing', failed: 'failed' },
        timeoutSeconds: timeouts.installSeconds,
        timeoutMessage: `installer did not report "installed" within ${minutes(timeouts.installSeconds)}`,
      },
      finishing: {
        step: 4,
        status: 'finishing {profile}',
        run: bootStateStep(() => LOCALBOOT, 'done', (job) => `installed ${job.profile ?? ''}; boot state back to localboot`),
      },
    },
    onEnd: (db, job) => setBootState(db, job.hostId, LOCALBOOT),
  };
}

// localboot: stop serving anything but the local disk to this machine.

import type { JobKindSpec } from '../job-kind.js';
import { bootStateStep, LOCALBOOT } from './boot-steps.js';

export function localbootKind(): JobKindSpec {
  return {
    kind: 'localboot',
    doneStatus: 'boots from local disk',
    states: {
      queued: {
        step: 1,
        status: 'switching to local boot',
        next: ['done'],
        run: bootStateStep(
          () => LOCALBOOT,
          'done',
          () => 'boot state set to localboot',
        ),
      },
    },
  };
}

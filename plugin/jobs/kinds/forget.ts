// forget: dploy lets go of the machine so that its next network boot
// discovers it again (the way to restart discovery or installation from
// scratch). The platform does it: the host tool's record stays, with its task
// reset and its status saying so. The job goes with dploy's host (ON DELETE
// CASCADE); the runner's log keeps the line.

import type { JobKindSpec } from '../job-kind.js';

export function forgetKind(): JobKindSpec {
  return {
    kind: 'forget',
    doneStatus: 'forgotten',
    states: {
      queued: {
        step: 1,
        status: 'forgetting',
        next: ['done'],
        run: async ({ host, platform }) => ({
          to: 'done',
          message: `host ${host.name} forgotten; it will be discovered again at its next network boot`,
          after: (db) => platform.forgetHost(host.id, db),
        }),
      },
    },
  };
}

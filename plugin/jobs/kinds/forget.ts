// forget: delete the machine so that its next network boot discovers it
// again (the way to restart discovery or installation from scratch). The
// job goes with the host (ON DELETE CASCADE); the runner's log keeps the line.

import { forgetHost } from '../../store/hosts.js';
import type { JobKindSpec } from '../job-kind.js';

export function forgetKind(): JobKindSpec {
  return {
    kind: 'forget',
    doneStatus: 'forgotten',
    states: {
      queued: {
        step: 1,
        status: 'forgetting',
        run: async ({ host }) => ({
          to: 'done',
          message: `host ${host.name} forgotten; it will be discovered again at its next network boot`,
          after: (db) => forgetHost(db, host.id),
        }),
      },
    },
  };
}

// What a machine waiting in discovery (mindi) should do next, from its boot
// state: reboot into the install or restore it was given, or wait and ask
// again. The machine's job and its state go beside this answer
// (/agent/v1/next, docs/jobs.md); moving the job is the runner's.

import type { Host } from '../model/host.js';

export interface NextAction {
  action: 'wait' | 'reboot' | 'poweroff';
  /** For wait: when to ask again. */
  pollSeconds?: number;
  reason: string;
}

export const DEFAULT_POLL_SECONDS = 30;

export function nextActionFor(host: Host): NextAction {
  switch (host.bootState.kind) {
    case 'install':
      return { action: 'reboot', reason: `install ${host.bootState.profile} is ready` };
    case 'restore':
      return { action: 'reboot', reason: `restore of image ${host.bootState.image} is ready` };
    default:
      return { action: 'wait', pollSeconds: DEFAULT_POLL_SECONDS, reason: 'no task set for this machine yet' };
  }
}

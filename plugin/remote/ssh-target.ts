// An SSH target (model/ssh-target.ts) as logs and messages name it.

import type { SshTarget } from '../model/ssh-target.js';

export type { SshAuth, SshTarget } from '../model/ssh-target.js';

/** "root@web01:22", for logs and messages: never a secret. */
export function describeTarget(t: Pick<SshTarget, 'address' | 'port' | 'user'>): string {
  return `${t.user}@${t.address}:${t.port}`;
}

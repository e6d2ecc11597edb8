// A file named by a request, resolved inside one root directory: the TFTP
// path rules (no "..", no control bytes) on the name, then realpath so a
// symlink pointing out of the root is refused too. /boot/files and /mirror
// both serve through it; static-file.ts opens what it names and refuses
// anything but a regular file.

import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { DployError } from '../errors.js';
import { normalizeRequestPath } from '../tftp/request-path.js';

export interface ConfinedFile {
  /** The resolved path, inside the root. */
  path: string;
  /** The name as asked, checked (for messages). */
  name: string;
}

/** `what` names the kind of file in messages ("boot file"); `rootSetting` the config key of the root. */
/**
 * libc's realpath(3), on this thread: a walk of dentries the kernel holds in memory for a served tree, a few
 * microseconds, where a thread-pool round trip cost more than the walk (docs/decisions.md, measured).
 */
function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

export function resolveConfinedFile(rootDir: string, requestPath: string, what: string, rootSetting: string): ConfinedFile {
  const checked = normalizeRequestPath(requestPath);
  if (!checked.ok) throw new DployError('DPLOY_ERR_INVALID_INPUT', `refused ${what} name: ${checked.reason}`);
  const root = realpathOrUndefined(rootDir);
  if (!root) throw new DployError('DPLOY_ERR_NOT_FOUND', `${what} root ${rootDir} does not exist (${rootSetting})`);
  const real = realpathOrUndefined(`${root}${sep}${checked.path}`);
  // A symlink may point anywhere; only what resolves inside the root is served.
  if (!real || !real.startsWith(root + sep)) throw new DployError('DPLOY_ERR_NOT_FOUND', `no ${what} ${checked.path}`);
  return { path: real, name: checked.path };
}

// A file named by a request, resolved inside one root directory: the TFTP
// path rules (no "..", no control bytes) on the name, then realpath so a
// symlink pointing out of the root is refused too. /boot/files and /mirror
// both serve through it.

import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { DployError } from '../errors.js';
import { normalizeRequestPath } from '../tftp/request-path.js';

export interface ConfinedFile {
  path: string;
  size: number;
}

/** `what` names the kind of file in messages ("boot file"); `rootSetting` the config key of the root. */
export async function resolveConfinedFile(rootDir: string, requestPath: string, what: string, rootSetting: string): Promise<ConfinedFile> {
  const checked = normalizeRequestPath(requestPath);
  if (!checked.ok) throw new DployError('DPLOY_ERR_INVALID_INPUT', `refused ${what} name: ${checked.reason}`);
  const root = await realpath(rootDir).catch(() => {
    throw new DployError('DPLOY_ERR_NOT_FOUND', `${what} root ${rootDir} does not exist (${rootSetting})`);
  });
  const real = await realpath(`${root}${sep}${checked.path}`).catch(() => undefined);
  // A symlink may point anywhere; only what resolves inside the root is served.
  if (!real || !(real === root || real.startsWith(root + sep))) throw new DployError('DPLOY_ERR_NOT_FOUND', `no ${what} ${checked.path}`);
  const info = await stat(real);
  if (!info.isFile()) throw new DployError('DPLOY_ERR_NOT_FOUND', `no ${what} ${checked.path}`);
  return { path: real, size: info.size };
}

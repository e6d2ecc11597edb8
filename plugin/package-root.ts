// Files dploy ships beside its code (package.json, sql/, pxe/, the native
// TFTP engine in build/native/) are found from the package's root: the
// nearest directory above this module that holds package.json. A fixed
// number of "../" held only for the TypeScript sources (plugin/…, run through
// tsx); compiled by `npm run build` the modules sit one level deeper
// (dist/plugin/…), where bin/dploy.js runs them, and `dploy version` failed
// on dist/package.json.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRootAbove(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`dploy: no package.json in ${start} or above it; the installation is incomplete`);
  }
}

export const PACKAGE_ROOT = packageRootAbove(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package: shipped('sql/') ends with a slash as given. */
export function shipped(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}

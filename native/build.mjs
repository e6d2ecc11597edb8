#!/usr/bin/env node
// Builds dploy's native TFTP transfer engine (native/tftp-engine.c and its
// Node-API binding, tftp-binding.c) into build/native/tftp-engine.node;
// `npm ci` runs it (the package's install script). Two C files against
// Node-API's stable ABI need no node-gyp: the C compiler and the Node-API
// headers (the node-api-headers package) suffice.
//
// A machine without a C compiler still installs: dploy then runs transfers on
// node:dgram worker threads and says so when the TFTP service starts
// (docs/tftp.md). DPLOY_NATIVE_REQUIRED=1 makes a failed build an error.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(root, 'build', 'native', 'tftp-engine.node');
const cc = process.env.CC || 'cc';

/** Node-API's headers: the node-api-headers package, else the ones installed with Node itself. */
function includeDir() {
  try {
    return createRequire(import.meta.url)('node-api-headers').include_dir;
  } catch {
    const candidates = [
      join(process.config.variables.node_prefix || '/usr', 'include', 'node'),
      join(dirname(dirname(process.execPath)), 'include', 'node'),
      '/usr/include/node',
      '/usr/local/include/node',
    ];
    const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
    if (!found) throw new Error(`no Node-API headers: run npm ci (package node-api-headers), or install them (looked in ${candidates.join(', ')})`);
    return found;
  }
}

try {
  mkdirSync(dirname(output), { recursive: true });
  // Written beside the target and renamed: a running dploy keeps its loaded copy intact.
  const partial = `${output}.${process.pid}.tmp`;
  execFileSync(
    cc,
    [
      '-O2',
      '-Wall',
      '-Wextra',
      '-std=gnu11',
      '-fPIC',
      '-shared',
      '-pthread',
      '-I',
      includeDir(),
      '-o',
      partial,
      join(root, 'native', 'tftp-engine.c'),
      join(root, 'native', 'tftp-binding.c'),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  renameSync(partial, output);
  console.log(`dploy: built ${output}`);
} catch (err) {
  const message = `dploy: the native TFTP engine was not built (${err.message.split('\n')[0]}); TFTP transfers will run on node:dgram worker threads. Install a C compiler (Debian: build-essential) and run \`npm run build:native\`.`;
  if (process.env.DPLOY_NATIVE_REQUIRED === '1') {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
}

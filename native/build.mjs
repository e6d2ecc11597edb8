#!/usr/bin/env node
// Builds dploy's native addons: the TFTP transfer engine (native/tftp-engine.c
// and its Node-API binding, tftp-binding.c) into build/native/tftp-engine.node,
// and the HTTP sendfile senders (native/http-sendfile.c) into
// build/native/http-sendfile.node, and the /mirror request threads (native/http-static.c) into
// build/native/http-static.node; `npm ci` runs it (the package's install script). C files against
// Node-API's stable ABI need no node-gyp: the C compiler and the Node-API
// headers (the node-api-headers package) suffice.
//
// A machine without a C compiler still installs: dploy then runs TFTP transfers on
// node:dgram worker threads and says so when the TFTP service starts
// (docs/tftp.md), and serves static files over HTTP with streams (docs/http.md). DPLOY_NATIVE_REQUIRED=1 makes a failed build an error.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const ADDONS = [
  { name: 'tftp-engine', sources: ['tftp-engine.c', 'tftp-binding.c'], without: 'TFTP transfers will run on node:dgram worker threads' },
  { name: 'http-sendfile', sources: ['http-sendfile.c'], without: 'static files over HTTP will be served with streams' },
  { name: 'http-static', sources: ['http-static.c'], without: '/mirror requests will all be answered on the event loop' },
];
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

for (const addon of ADDONS) {
  const output = join(root, 'build', 'native', `${addon.name}.node`);
  try {
    mkdirSync(dirname(output), { recursive: true });
    // Written beside the target and renamed: a running dploy keeps its loaded copy intact.
    const partial = `${output}.${process.pid}.tmp`;
    const flags = ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-fPIC', '-shared', '-pthread', '-I', includeDir(), '-o', partial];
    execFileSync(cc, [...flags, ...addon.sources.map((file) => join(root, 'native', file))], { stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(partial, output);
    console.log(`dploy: built ${output}`);
  } catch (err) {
    const message = `dploy: ${addon.name} was not built (${err.message.split('\n')[0]}); ${addon.without}. Install a C compiler (Debian: build-essential) and run \`npm run build:native\`.`;
    if (process.env.DPLOY_NATIVE_REQUIRED === '1') {
      console.error(message);
      process.exit(1);
    }
    console.warn(message);
  }
}

// The real OCS Inventory NG stack (test/setup/ocs-stack.sh), brought up once
// per test process: the communication server, the console, the REST API and
// the ocsweb database they share. Not root: the test fails with the command.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const OCS_PORT = Number(process.env.OCS_PORT ?? 8408);
const SCRIPT = fileURLToPath(new URL('../setup/ocs-stack.sh', import.meta.url));

export interface OcsStack {
  /** http://127.0.0.1:<port> */
  base: string;
  /** Where agents post (the Perl communication server). */
  communicationUrl: string;
  /** The PHP console (admin/admin). */
  consoleUrl: string;
  /** The read-only REST API, e.g. `${apiUrl}/computers/listID`. */
  apiUrl: string;
  /** ocsweb as the console's own user, over TCP. */
  databaseUrl: string;
}

let stack: OcsStack | undefined;

export function ocsStack(): OcsStack {
  if (stack) return stack;
  const command = `sudo bash ${SCRIPT}`;
  if (process.getuid?.() !== 0) throw new Error(`the OCS stack needs root to install and start; run: ${command}`);
  const run = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, OCS_PORT: String(OCS_PORT) }, timeout: 600_000 });
  if (run.status !== 0) throw new Error(`${command} failed (exit ${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`.slice(-4000));
  const base = `http://127.0.0.1:${OCS_PORT}`;
  stack = {
    base,
    communicationUrl: `${base}/ocsinventory`,
    consoleUrl: `${base}/ocsreports`,
    apiUrl: `${base}/ocsapi/v1`,
    databaseUrl: 'mysql://ocs:ocs@127.0.0.1:3306/ocsweb',
  };
  return stack;
}

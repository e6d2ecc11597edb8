// The discovery agent tells a final 409 from a passing one by dploy's error
// code: a known machine re-inventoried outside a discover job is refused with
// DPLOY_ERR_CONFLICT, and the real agent script (busybox wget as in mindi, and
// curl) stops at once with the code and the reason instead of posting the same
// document ten times over five minutes. (The passing 409, OCS's lock, is
// test/integration/ocs/agent-lock.test.ts.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxPath } from '../../support/busybox-env.js';
import { machineDocument, postInventory, startTrustServer, type TrustServer } from '../../support/trust-server.js';

const SCRIPT = fileURLToPath(new URL('../../../agent-scripts/dploy-inventory', import.meta.url));
const MAC = '52:54:00:aa:25:01';

let dploy: TrustServer;
/** An `lshw` that prints the machine's document with another serial and disk: what a forged post sends. */
let forgedLshw: string;
before(async () => {
  dploy = await startTrustServer('sqlite');
  const known = await postInventory(dploy.url, dploy.enrollment, machineDocument(MAC));
  assert.equal(known.status, 200, JSON.stringify(known.body));
  const dir = mkdtempSync(join(tmpdir(), 'dploy-refusal-'));
  writeFileSync(join(dir, 'forged.xml'), machineDocument(MAC, 'OTHER-SERIAL', 'OTHERDISK'));
  forgedLshw = join(dir, 'lshw');
  writeFileSync(forgedLshw, `#!/bin/sh\ncat '${join(dir, 'forged.xml')}'\n`);
  chmodSync(forgedLshw, 0o755);
});
after(() => dploy?.close());

/** Runs the agent without blocking the event loop: the server answers from this process. */
function agent(path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(path, 'sh'),
      [SCRIPT, '--url', dploy.url, '--token', dploy.enrollment],
      { env: { PATH: path, DPLOY_CMDLINE: '/nonexistent' }, timeout: 60_000 },
      (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }),
    );
  });
}

test('busybox wget: a 409 DPLOY_ERR_CONFLICT stops the agent at the first post, naming the code', async () => {
  const run = await agent(busyboxPath({ lshw: forgedLshw }));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /\(attempt 1 of 10, wget\)/);
  assert.match(run.stderr, /ERROR: dploy refused the inventory \(HTTP 409 DPLOY_ERR_CONFLICT\)/);
  assert.doesNotMatch(run.stderr, /attempt 2/, 'a final refusal is not posted again');
});

test("curl: the same refusal stops the agent at once, with dploy's reason from the answer", async () => {
  const curl = ['/usr/bin/curl', '/bin/curl'].find((p) => existsSync(p));
  assert.ok(curl, 'curl is missing: apt-get install -y curl');
  const run = await agent(busyboxPath({ lshw: forgedLshw, curl: curl! }, ['wget']));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /\(attempt 1 of 10, curl\)/);
  assert.match(run.stderr, /ERROR: dploy refused the inventory \(HTTP 409 DPLOY_ERR_CONFLICT\): machine \S+ is already known and not in a discover job/);
  assert.doesNotMatch(run.stderr, /attempt 2/, 'a final refusal is not posted again');
});

test('an error answer names its code in the body, the X-Dploy-Error header and the reason phrase', async () => {
  const response = await fetch(`${dploy.url}/agent/v1/inventory`, {
    method: 'POST',
    body: machineDocument(MAC, 'OTHER-SERIAL', 'OTHERDISK'),
    headers: { 'content-type': 'application/xml', 'x-dploy-token': dploy.enrollment },
  });
  assert.equal(response.status, 409);
  assert.equal(response.statusText, 'Conflict (DPLOY_ERR_CONFLICT)');
  assert.equal(response.headers.get('x-dploy-error'), 'DPLOY_ERR_CONFLICT');
  assert.equal(((await response.json()) as { error: string }).error, 'DPLOY_ERR_CONFLICT');
  const unknown = await fetch(`${dploy.url}/no-such-route`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.statusText, 'Not Found (DPLOY_ERR_NOT_FOUND)');
  assert.equal(unknown.headers.get('x-dploy-error'), 'DPLOY_ERR_NOT_FOUND');
});

// rebootOverSsh against a real sshd. The test machine is not rebooted: a
// harmless command stands in for the reboot, and what is checked is what makes
// the reboot work (it runs after the session closed, detached from it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { memoryPins } from '../../../plugin/remote/host-key-trust.js';
import { rebootOverSsh } from '../../../plugin/remote/reboot.js';
import { startSshd, type TestSshd } from '../../support/sshd.js';

let sshd: TestSshd;
before(async () => {
  sshd = await startSshd();
});
after(async () => {
  await sshd?.stop();
});

test('the reboot is scheduled detached: dploy gets its answer first, the action happens after the session closed', async () => {
  const marker = `/tmp/dploy-rebooted-${process.pid}-${Date.now()}`;
  const target = { address: '127.0.0.1', port: sshd.port, user: sshd.user, auth: { password: sshd.password } };
  const started = Date.now();
  const said = await rebootOverSsh(target, { pins: memoryPins(), command: `touch ${marker}`, delaySeconds: 1 });
  assert.ok(Date.now() - started < 1000, `waited ${Date.now() - started} ms for the reboot`);
  assert.equal(said, `reboot requested over SSH on ${sshd.user}@127.0.0.1:${sshd.port} (in 1 s)`);
  assert.equal(existsSync(marker), false, 'ran before the session closed');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(existsSync(marker), true, 'the scheduled action never ran');
  rmSync(marker);
});

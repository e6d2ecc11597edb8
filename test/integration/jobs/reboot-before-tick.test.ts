// An installer reports "installed" and reboots at once, often before the
// runner's next tick puts the machine's boot state back to local boot. Its
// next network boot must boot the disk it just installed, not the installer
// again (which would reinstall it, in a loop, until the tick came). A restore
// has the same rule (test/integration/images/capture-restore.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installJob, requestFrom, startTrustServer } from '../../support/trust-server.js';
import { getJob } from '../../../plugin/store/jobs.js';

const MAC = '52:54:00:aa:00:07';
const MACHINE = '127.0.0.1';

test('a machine that reported "installed" and reboots before the runner ticks boots its disk, not the installer', { timeout: 120_000 }, async () => {
  const dploy = await startTrustServer('sqlite', { runner: { enabled: false } });
  try {
    const job = await installJob(dploy, MAC);
    const entry = await requestFrom(MACHINE, `${dploy.url}/boot/ipxe?mac=${MAC}`);
    assert.equal(entry.status, 200, entry.text);
    const token = /\/answers\/([A-Za-z0-9_-]+)/.exec(entry.text)?.[1];
    assert.ok(token, entry.text);
    assert.equal((await requestFrom(MACHINE, `${dploy.url}/answers/${token}`)).status, 200);
    const installed = await requestFrom(MACHINE, `${dploy.url}/agent/v1/events`, {
      method: 'POST',
      body: JSON.stringify({ token, event: 'installed' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(installed.status, 200, installed.text);
    assert.equal((await getJob(dploy.server.store.db.manager, job.id)).state, 'finishing', 'the runner has not ticked yet');

    const again = await requestFrom(MACHINE, `${dploy.url}/boot/ipxe?mac=${MAC}`);
    assert.equal(again.status, 200, again.text);
    assert.match(again.text, /sanboot --no-describe --drive 0x80/, 'the local boot entry');
    assert.doesNotMatch(again.text, /\/answers\//, 'never the installer again');
  } finally {
    await dploy.close();
  }
});

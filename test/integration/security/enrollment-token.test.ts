// H2: the enrollment token is public (it is in every discovery entry). The
// attacks below use nothing else, against a machine dploy already knows, and
// must get nowhere; the same requests made the legitimate way still work.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../support/databases.js';
import { machineDocument, postInventory, startTrustServer } from '../../support/trust-server.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { createJob, getJob, transitionJob } from '../../../plugin/store/jobs.js';
import { latestInventory } from '../../../plugin/store/inventories.js';

const VICTIM = '52:54:00:aa:00:01';

for (const dialect of DIALECTS) {
  describe(`the enrollment token on ${dialect}`, () => {
    test("cannot change a known machine's serial or install disk, unless it is in a discover job", { timeout: 60_000 }, async () => {
      const dploy = await startTrustServer(dialect);
      try {
        const db = dploy.server.store.db.manager;
        const first = await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM));
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const hostId = Number(first.body.host_id);

        const forged = await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM, 'EVIL-SERIAL', 'EVILDISK'));
        assert.equal(forged.status, 409, JSON.stringify(forged.body));
        assert.equal(forged.body.error, 'DPLOY_ERR_CONFLICT');
        assert.match(String(forged.body.message), /dploy task set .* discover/);
        assert.equal((await getHost(db, hostId)).serial, 'DPLOY-FIX-0002', 'serial unchanged');
        assert.equal(
          (await latestInventory(db, hostId))?.inventory.system.serial,
          'DPLOY-FIX-0002',
          "the kept inventory (whose disks the next install reads) is the machine's own",
        );

        const again = await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM));
        assert.equal(again.status, 200, 'the same document again (a retried post) is answered as before');

        const job = await createJob(db, { hostId, kind: 'discover' }, 'operator', 'rediscover');
        assert.ok(await transitionJob(db, job, 'queued', { to: 'booting', message: 'boot', actor: 'test' }));
        const rediscovered = await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM, 'NEW-BOARD', 'NEWDISK'));
        assert.equal(rediscovered.status, 200, JSON.stringify(rediscovered.body));
        assert.equal((await getHost(db, hostId)).serial, 'NEW-BOARD', 'a discover job takes the new inventory');
      } finally {
        await dploy.close();
      }
    });

    test("cannot post events for, or end, another machine's job; the job token can", { timeout: 60_000 }, async () => {
      const dploy = await startTrustServer(dialect);
      try {
        const db = dploy.server.store.db.manager;
        const hostId = Number((await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM))).body.host_id);
        const job = await createJob(db, { hostId, kind: 'install', profile: 'web' }, 'operator', 'install');
        assert.ok(await transitionJob(db, job, 'queued', { to: 'installing', message: 'installer started', actor: 'test' }));
        const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
          fetch(`${dploy.url}/agent/v1/events`, {
            method: 'POST',
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json', ...headers },
          });

        for (const attack of [
          post({ event: 'installed', mac: VICTIM }, { 'x-dploy-token': dploy.enrollment }),
          post({ event: 'installed', host_id: String(hostId) }, { 'x-dploy-token': dploy.enrollment }),
          post({ event: 'failed', mac: VICTIM, token: dploy.enrollment }),
        ]) {
          const refused = await attack;
          assert.equal(refused.status, 401, await refused.text());
        }
        assert.equal((await getJob(db, job.id)).state, 'installing', 'the job did not move');

        const real = await post({ event: 'installed', token: dploy.jobToken(job) });
        assert.equal(real.status, 200, await real.text());
        assert.equal((await getJob(db, job.id)).state, 'finishing');
      } finally {
        await dploy.close();
      }
    });

    test('cannot enumerate machines through /agent/v1/next?host=<id>', { timeout: 60_000 }, async () => {
      const dploy = await startTrustServer(dialect);
      try {
        const hostId = Number((await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM))).body.host_id);
        const byId = await fetch(`${dploy.url}/agent/v1/next?host=${hostId}`, { headers: { 'x-dploy-token': dploy.enrollment } });
        const text = await byId.text();
        assert.equal(byId.status, 400, text);
        assert.ok(!text.includes('host-'), `no machine named in the refusal: ${text}`);
        const byMac = await fetch(`${dploy.url}/agent/v1/next?mac=${VICTIM}`, { headers: { 'x-dploy-token': dploy.enrollment } });
        assert.equal(byMac.status, 200, 'a machine asking by its own MAC still gets its next step');
      } finally {
        await dploy.close();
      }
    });
  });
}

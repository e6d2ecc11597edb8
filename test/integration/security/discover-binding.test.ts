// H2 continued (issue 20): a known machine in a discover job takes the next
// inventory posted with its MAC. The enrollment token is public, so another
// machine on the provisioning network could hand in its own hardware as the
// victim's (a different serial, the disk the next install wipes). The discover
// job is now bound, like an install job, to the first address that fetches
// its boot entry, or else to the first that posts its inventory; any other
// address's inventory is refused. (There is no restore job kind yet.)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../support/databases.js';
import { machineDocument, postInventory, requestFrom, startTrustServer } from '../../support/trust-server.js';
import { getHost, setBootState } from '../../../plugin/store/hosts.js';
import { createJob, getJob, transitionJob } from '../../../plugin/store/jobs.js';
import { latestInventory } from '../../../plugin/store/inventories.js';

const VICTIM = '52:54:00:aa:06:01';
const ATTACKER = '127.0.0.2';

for (const dialect of DIALECTS) {
  describe(`discover jobs on ${dialect}`, () => {
    test(
      'another address posting the inventory of a known machine in a discover job is refused; the machine itself is taken',
      { timeout: 120_000 },
      async () => {
        const dploy = await startTrustServer(dialect);
        try {
          const db = dploy.server.store.db.manager;
          const attack = () =>
            requestFrom(ATTACKER, `${dploy.url}/agent/v1/inventory`, {
              method: 'POST',
              body: machineDocument(VICTIM, 'EVIL-SERIAL', 'EVILDISK'),
              headers: { 'content-type': 'application/xml', 'x-dploy-token': dploy.enrollment },
            });
          const hostId = Number((await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM))).body.host_id);
          const rediscover = async () => {
            const job = await createJob(db, { hostId, kind: 'discover' }, 'operator', 'rediscover');
            // What the runner's first step does: the boot state, then the job waiting for the machine.
            await setBootState(db, hostId, { kind: 'discover' });
            assert.ok(await transitionJob(db, job, 'queued', { to: 'booting', message: 'boot', actor: 'test' }));
            return job;
          };

          // The machine network-boots first: fetching its boot entry binds the job to its address.
          const first = await rediscover();
          const entry = await fetch(`${dploy.url}/boot/ipxe?mac=${VICTIM}`);
          assert.equal(entry.status, 200, await entry.text());
          const refused = await attack();
          assert.equal(refused.status, 409, refused.text);
          assert.match(
            JSON.parse(refused.text).message,
            new RegExp(`discover job ${first.id} of machine \\S+ is bound to 127\\.0\\.0\\.1, .* refused from ${ATTACKER.replace(/\./g, '\\.')}`),
          );
          assert.equal((await getHost(db, hostId)).serial, 'DPLOY-FIX-0002', "the victim's serial is kept");
          assert.equal((await getJob(db, first.id)).state, 'booting', "the attacker's post did not move the job");
          const real = await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM, 'NEW-BOARD'));
          assert.equal(real.status, 200, JSON.stringify(real.body));
          assert.equal((await getHost(db, hostId)).serial, 'NEW-BOARD');
          assert.equal((await getJob(db, first.id)).state, 'finishing');
          assert.ok(await transitionJob(db, await getJob(db, first.id), 'finishing', { to: 'done', message: 'done', actor: 'test' }));
          await setBootState(db, hostId, { kind: 'localboot' });

          // No boot seen (a machine booted by hand): the first post binds, a later one from elsewhere is refused.
          const second = await rediscover();
          assert.equal((await postInventory(dploy.url, dploy.enrollment, machineDocument(VICTIM, 'NEWER-BOARD'))).status, 200);
          const late = await attack();
          assert.equal(late.status, 409, late.text);
          assert.match(JSON.parse(late.text).message, new RegExp(`discover job ${second.id} .* bound to 127\\.0\\.0\\.1`));
          assert.equal((await latestInventory(db, hostId))?.inventory.system.serial, 'NEWER-BOARD', "the kept inventory is the machine's own");
        } finally {
          await dploy.close();
        }
      },
    );
  });
}

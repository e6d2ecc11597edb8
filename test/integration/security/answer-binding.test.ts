// H1: a second machine on the provisioning network knows the victim's MAC
// (MACs are easy to learn) and asks for its install entry and answer file. It
// must get neither the job token nor the answer file (root password hash, SSH
// keys), nor move the job; the machine that booted first keeps working; and
// the database holds no usable token.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../support/databases.js';
import { installJob, requestFrom, startTrustServer } from '../../support/trust-server.js';
import { getJob } from '../../../plugin/store/jobs.js';

const VICTIM = '52:54:00:aa:00:02';
const MACHINE = '127.0.0.1';
const ATTACKER = '127.0.0.2';

for (const dialect of DIALECTS) {
  describe(`answer files on ${dialect}`, () => {
    test('go only to the machine that fetched the boot entry, a bounded number of times', { timeout: 120_000 }, async () => {
      const dploy = await startTrustServer(dialect, { agent: { answerFetches: 2 } });
      try {
        const db = dploy.server.store.db.manager;
        const job = await installJob(dploy, VICTIM);

        // The machine boots: its iPXE entry carries the answer URL with the job token.
        const entry = await requestFrom(MACHINE, `${dploy.url}/boot/ipxe?mac=${VICTIM}`);
        assert.equal(entry.status, 200, entry.text);
        const token = /\/answers\/([A-Za-z0-9_-]+)/.exec(entry.text)?.[1];
        assert.ok(token, `the install entry names the answer file:\n${entry.text}`);

        // The attacker asks for the same entry, the answer file and its parts, and posts events.
        const stolenEntry = await requestFrom(ATTACKER, `${dploy.url}/boot/ipxe?mac=${VICTIM}`);
        assert.equal(stolenEntry.status, 409);
        assert.ok(!stolenEntry.text.includes(token), 'no job token in the refusal');
        for (const path of [`/answers/${token}`, `/answers/${token}/post.sh`, `/answers/${token}/callback.sh`]) {
          const stolen = await requestFrom(ATTACKER, `${dploy.url}${path}`);
          assert.equal(stolen.status, 404, `${path}: ${stolen.text}`);
          assert.ok(!stolen.text.includes('$6$'), 'no password hash');
        }
        const event = await requestFrom(ATTACKER, `${dploy.url}/agent/v1/events`, {
          method: 'POST',
          body: JSON.stringify({ token, event: 'installed' }),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(event.status, 401, event.text);
        assert.equal((await getJob(db, job.id)).state, 'booting', 'the attacker moved nothing');
        assert.match(dploy.log(), new RegExp(`"boundTo":"${MACHINE}","from":"${ATTACKER}"`), 'the refusal is logged with both addresses');

        // The machine itself gets its answer file, at most agent.answerFetches (2) times.
        const first = await requestFrom(MACHINE, `${dploy.url}/answers/${token}`);
        assert.equal(first.status, 200, first.text);
        assert.match(first.text, /d-i partman-auto\/disk string \/dev\/nvme0n1/);
        assert.equal((await getJob(db, job.id)).state, 'installing');
        assert.equal((await requestFrom(MACHINE, `${dploy.url}/answers/${token}`)).status, 200);
        assert.equal((await requestFrom(MACHINE, `${dploy.url}/answers/${token}`)).status, 404, 'a third fetch is refused');
        assert.equal((await requestFrom(MACHINE, `${dploy.url}/answers/${token}/callback.sh`)).status, 200, 'its parts still come');
      } finally {
        await dploy.close();
      }
    });

    test('the database holds no usable job token', { timeout: 120_000 }, async () => {
      const dploy = await startTrustServer(dialect);
      try {
        await installJob(dploy, VICTIM);
        const entry = await requestFrom(MACHINE, `${dploy.url}/boot/ipxe?mac=${VICTIM}`);
        const token = /\/answers\/([A-Za-z0-9_-]+)/.exec(entry.text)![1]!;
        const rows: Array<Record<string, unknown>> = await dploy.server.store.db.query('SELECT * FROM dploy_jobs');
        const stored = JSON.stringify(rows);
        assert.ok(!stored.includes(token) && !stored.includes(token.split('-').slice(1).join('-')), 'the token is not in the jobs table');
        // What a reader of the database could try: every stored value as a token, and "<id>-<value>".
        for (const value of Object.values(rows[0]!).filter((v): v is string => typeof v === 'string')) {
          for (const guess of [value, `${String(rows[0]!.id)}-${value}`]) {
            if (!/^[A-Za-z0-9_-]+$/.test(guess)) continue;
            assert.equal((await requestFrom(MACHINE, `${dploy.url}/answers/${guess}`)).status, 404, `stored value ${guess} is no token`);
          }
        }
      } finally {
        await dploy.close();
      }
    });
  });
}

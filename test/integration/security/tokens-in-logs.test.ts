// M3: whoever reads dploy's log (a log shipper, a support bundle) must not
// find a job token or the enrollment token in it: the request lines of
// /answers/<token> and of ?token= carry them in their URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineDocument, startTrustServer } from '../../support/trust-server.js';
import { createJob } from '../../../plugin/store/jobs.js';
import { getHost } from '../../../plugin/store/hosts.js';

test('request logs carry neither the job token of /answers/<token> nor a ?token= value', { timeout: 60_000 }, async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const db = dploy.server.store.db.manager;
    const posted = await fetch(`${dploy.url}/agent/v1/inventory?token=${dploy.enrollment}`, {
      method: 'POST',
      body: machineDocument('52:54:00:aa:00:03'),
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(posted.status, 200, 'the ?token= form is accepted');
    const host = await getHost(db, '52:54:00:aa:00:03');
    const token = dploy.jobToken(await createJob(db, { hostId: host.id, kind: 'install', profile: 'none' }, 'operator', 'install'));
    await (await fetch(`${dploy.url}/answers/${token}`)).text();
    await (await fetch(`${dploy.url}/answers/${token}/post.sh?x=1`)).text();
    await (await fetch(`${dploy.url}/agent/v1/next?mac=52:54:00:aa:00:03&token=${dploy.enrollment}`)).text();

    const log = dploy.log();
    assert.match(log, /"url":"\/answers\/<redacted>"/, 'the answer request is logged, redacted');
    assert.match(log, /"url":"\/agent\/v1\/next\?mac=52:54:00:aa:00:03&token=<redacted>"/);
    const leaks = (secret: string) =>
      log
        .split('\n')
        .filter((line) => line.includes(secret))
        .join('\n');
    // The token is "<job id>-<secret>" and the secret is base64url, itself free to hold "-": all of it after the first one.
    const secret = token.slice(token.indexOf('-') + 1);
    assert.ok(secret.length >= 20, `the secret part of ${token}`);
    assert.equal(leaks(secret), '', 'no job token in the log (the lines that carry it)');
    assert.equal(leaks(dploy.enrollment), '', 'no enrollment token in the log (the lines that carry it)');
  } finally {
    await dploy.close();
  }
});

// A database outage is the operator's to fix, and the machine's to wait out:
// agents and installers get 503 with the reason (they retry on 5xx), not
// "500 internal error; see the dploy log". dploy reaches the database through
// a TCP relay here, which the test cuts.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { relayTo } from '../../support/db-relay.js';
import { MARIADB, POSTGRES } from '../../support/services.js';
import { machineDocument, startTrustServer } from '../../support/trust-server.js';

for (const [dialect, real] of [
  ['mysql', MARIADB],
  ['postgres', POSTGRES],
] as const) {
  describe(`a ${dialect} outage`, () => {
    test('answers agents 503 DPLOY_ERR_DATABASE_UNREACHABLE with the reason', { timeout: 60_000 }, async () => {
      const relay = await relayTo(real.port);
      const dploy = await startTrustServer(dialect, {}, (url) => url.replace(`:${real.port}/`, `:${relay.port}/`));
      try {
        const post = () =>
          fetch(`${dploy.url}/agent/v1/inventory`, {
            method: 'POST',
            body: machineDocument('52:54:00:dd:00:01'),
            headers: { 'content-type': 'application/xml', 'x-dploy-token': dploy.enrollment },
          });
        assert.equal((await post()).status, 200, 'served while the database is there');
        await relay.cut();
        const answer = await post();
        const body = (await answer.json()) as { error: string; message: string };
        assert.equal(answer.status, 503, JSON.stringify(body));
        assert.equal(body.error, 'DPLOY_ERR_DATABASE_UNREACHABLE');
        assert.match(body.message, /unreachable \((ECONNREFUSED|ECONNRESET|PROTOCOL_CONNECTION_LOST|EPIPE)/);
        await relay.restore();
        assert.equal((await post()).status, 200, 'served again once the database is back');
      } finally {
        await relay.restore();
        await dploy.close();
        await relay.cut();
      }
    });
  });
}

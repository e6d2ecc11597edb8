// An agent whose post was taken but whose answer was lost (the database died
// after the commit, the connection dropped) posts the same document again.
// It must land once: the machine's one inventory, not two copies of it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../support/databases.js';
import { machineDocument, postInventory, startTrustServer } from '../../support/trust-server.js';

for (const dialect of DIALECTS) {
  describe(`an inventory posted again on ${dialect}`, () => {
    test('the same document twice is one machine with one inventory', async () => {
      const dploy = await startTrustServer(dialect);
      try {
        const document = machineDocument('52:54:00:dd:00:01');
        const first = await postInventory(dploy.url, dploy.enrollment, document);
        const again = await postInventory(dploy.url, dploy.enrollment, document);
        assert.deepEqual([first.status, again.status], [200, 200], JSON.stringify(again.body));
        assert.equal(again.body.host_id, first.body.host_id);
        assert.equal(again.body.created, false);
        const [row] = await dploy.server.store.db.query('SELECT COUNT(*) AS n FROM dploy_inventories');
        assert.equal(Number(row.n), 1, 'one inventory kept');
      } finally {
        await dploy.close();
      }
    });
  });
}

// Failed console logins on the three databases: counted per user name and
// address, ten failures at the same moment counted ten times (the row lock,
// and the retry of the insert that loses the race), the wait the policy gives
// stored with them, cleared by a success, and forgotten after a day.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle, waitAfter } from '../../../plugin/web/console/login-throttle.js';
import { findLoginFailures } from '../../../plugin/store/login-failures.js';
import { DIALECTS, openTestStore } from '../../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`login failures on ${dialect}`, () => {
    test('counted per pair, concurrent ones all counted, the wait kept, cleared by a success, forgotten after a day', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const db = store.db.manager;
        let now = Date.parse('2026-12-07T08:00:00.000Z');
        const throttle = new LoginThrottle(db, () => now);
        await Promise.all(Array.from({ length: 10 }, () => throttle.failed('Alice', '192.0.2.1')));
        const counted = await findLoginFailures(db, 'alice', '192.0.2.1');
        assert.deepEqual(counted, { failures: 10, waitUntil: new Date(now + waitAfter(10)) });
        assert.equal(await throttle.waitMs('alice', '192.0.2.1'), 15 * 60_000, 'the longest wait after 10');
        assert.equal(await throttle.waitMs('alice', '192.0.2.2'), 0, 'another address is not held');
        for (let i = 0; i < 4; i++) await throttle.failed('bob', '192.0.2.1');
        assert.equal(await throttle.waitMs('bob', '192.0.2.1'), 0, '4 failures are free');
        await throttle.failed('bob', '192.0.2.1');
        assert.equal(await throttle.waitMs('bob', '192.0.2.1'), 60_000, 'the 5th costs a minute');
        await throttle.succeeded('bob', '192.0.2.1');
        assert.equal(await findLoginFailures(db, 'bob', '192.0.2.1'), undefined);
        now += 24 * 3600_000 + 1;
        await throttle.failed('carol', '192.0.2.9');
        assert.equal(await findLoginFailures(db, 'alice', '192.0.2.1'), undefined, 'a day later the count is gone');
        assert.equal((await findLoginFailures(db, 'carol', '192.0.2.9'))?.failures, 1);
      } finally {
        await dispose();
      }
    });
  });
}

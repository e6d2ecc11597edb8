// Accounts, sessions, the audit log and the console's host search on the
// three databases: the SQL that only the console runs (a joined session
// lookup, LIKE with its escape, group and MAC subqueries) must mean the same
// on SQLite, MariaDB and PostgreSQL.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../plugin/store/database.js';
import { migrate } from '../../../plugin/store/migrate.js';
import { addUser, checkLogin, listUsers, removeUser, setPassword } from '../../../plugin/store/users.js';
import { closeSession, findSession, openSession } from '../../../plugin/store/sessions.js';
import { listAudit, recordAudit } from '../../../plugin/store/audit-log.js';
import { pageOfHosts, searchHosts } from '../../../plugin/store/host-search.js';
import { addHost } from '../../../plugin/store/hosts.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { writeHostStatus } from '../../../plugin/store/tasks.js';
import { createTestDatabase, DIALECTS } from '../../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`accounts and host search on ${dialect}`, () => {
    test('users, logins, sessions (expiry, replacement, password change, removal) and the audit log', async () => {
      const database = await createTestDatabase(dialect);
      const store = await openStore(database.url);
      try {
        await migrate(store.db, dialect);
        const db = store.db.manager;
        const alice = await addUser(db, 'alice', 'operator', 'long enough password');
        await assert.rejects(addUser(db, 'alice', 'viewer', 'long enough password'), /already exists/);
        await assert.rejects(addUser(db, 'Bad Name', 'viewer', 'long enough password'), /lower-case letters/);
        await assert.rejects(addUser(db, 'bob', 'root', 'long enough password'), /unknown role "root"/);
        assert.equal((await checkLogin(db, 'alice', 'long enough password'))?.role, 'operator');
        assert.equal(await checkLogin(db, 'alice', 'wrong password'), undefined);
        assert.equal(await checkLogin(db, 'nobody', 'long enough password'), undefined);
        const row = (await db.query('SELECT password_hash FROM dploy_users')) as Array<{ password_hash: string }>;
        assert.match(row[0]!.password_hash, /^scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);

        const at = new Date('2026-12-07T08:00:00.000Z');
        const first = await openSession(db, alice.id, 3_600_000, undefined, at);
        const found = await findSession(db, first, new Date(at.getTime() + 1000));
        assert.deepEqual(
          { ...found, csrfToken: found?.csrfToken.length },
          {
            userId: alice.id,
            userName: 'alice',
            role: 'operator',
            csrfToken: 43,
            expiresAt: new Date(at.getTime() + 3_600_000),
          },
        );
        assert.equal(await findSession(db, first, new Date(at.getTime() + 3_600_000)), undefined, 'expired');
        const second = await openSession(db, alice.id, 3_600_000, first, at);
        assert.equal(await findSession(db, first, at), undefined, 'the session presented at login is gone');
        assert.ok(await findSession(db, second, at));
        await closeSession(db, second);
        assert.equal(await findSession(db, second, at), undefined);

        const third = await openSession(db, alice.id, 3_600_000);
        await setPassword(db, 'alice', 'another long password');
        assert.equal(await findSession(db, third), undefined, 'a new password ends the sessions');
        const fourth = await openSession(db, alice.id, 3_600_000);
        await removeUser(db, 'alice');
        assert.equal(await findSession(db, fourth), undefined);
        assert.deepEqual(await listUsers(db), []);

        await recordAudit(db, { actor: 'console:alice', action: 'task.set', target: 'host 1', detail: 'install debian-12' });
        await recordAudit(db, { actor: 'cli', action: 'job.cancel', target: 'job 4' });
        assert.deepEqual(
          (await listAudit(db)).map((a) => [a.actor, a.action, a.target, a.detail]),
          [
            ['cli', 'job.cancel', 'job 4', undefined],
            ['console:alice', 'task.set', 'host 1', 'install debian-12'],
          ],
        );
      } finally {
        await store.close();
        await database.drop();
      }
    });

    test('the hosts page query: search by name, serial and MAC part, status start, group, boot state, pages and a count', async () => {
      const database = await createTestDatabase(dialect);
      const store = await openStore(database.url);
      try {
        await migrate(store.db, dialect);
        const db = store.db.manager;
        const ids: number[] = [];
        for (let i = 0; i < 12; i++) {
          const host = await addHost(db, {
            name: `node${String(i).padStart(2, '0')}`,
            macs: [`52:54:00:ab:00:${String(i).padStart(2, '0')}`],
            serial: `SN_${i}%`,
          });
          ids.push(host.id);
        }
        await writeHostStatus(db, ids[3]!, 'installing debian-12 since 10:42');
        await createGroup(db, 'rack1');
        await addGroupMembers(db, 'rack1', [ids[1]!, ids[2]!]);
        const names = async (filter: Parameters<typeof searchHosts>[1]) => (await searchHosts(db, filter)).hosts.map((h) => h.name);
        const page = { offset: 0, limit: 50 };
        assert.deepEqual(await names({ ...page, search: 'NODE1' }), ['node10', 'node11']);
        assert.deepEqual(await names({ ...page, search: '52-54-00-AB-00-07' }), ['node07']);
        assert.deepEqual(await names({ ...page, search: 'ab:00:0' }), [
          'node00',
          'node01',
          'node02',
          'node03',
          'node04',
          'node05',
          'node06',
          'node07',
          'node08',
          'node09',
        ]);
        assert.deepEqual(await names({ ...page, search: 'node_1' }), [], '"_" is a character, not LIKE\'s wildcard');
        assert.deepEqual(await names({ ...page, status: 'installing' }), ['node03']);
        assert.deepEqual(await names({ ...page, status: '%' }), [], '"%" is a character too');
        assert.deepEqual(await names({ ...page, group: 'rack1' }), ['node01', 'node02']);
        assert.deepEqual(await names({ ...page, bootState: 'localboot', group: 'rack1', search: '02' }), ['node02']);
        assert.deepEqual(await names({ ...page, bootState: 'install' }), []);
        const whole = await pageOfHosts(db, { offset: 10, limit: 5, search: 'node' });
        assert.deepEqual(
          [whole.total, whole.hosts.map((h) => [h.name, h.macs])],
          [
            12,
            [
              ['node10', ['52:54:00:ab:00:10']],
              ['node11', ['52:54:00:ab:00:11']],
            ],
          ],
        );
        const second = await searchHosts(db, { offset: 5, limit: 5 });
        assert.equal(second.total, 12);
        assert.deepEqual(
          second.hosts.map((h) => h.name),
          ['node05', 'node06', 'node07', 'node08', 'node09'],
        );
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}

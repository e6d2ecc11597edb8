// SSH access settings and pinned host keys on the three databases: secrets
// sealed in the rows, a host's settings over its group's, and a refused key
// remembered until an operator accepts it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { describeAccess, groupConcurrency, setRemoteAccess, sshTargetFor } from '../../../plugin/store/remote-access.js';
import { acceptOfferedKey, databasePins, listPinnedKeys } from '../../../plugin/store/ssh-host-keys.js';
import { checkHostKey } from '../../../plugin/remote/host-key-trust.js';
import { isDployError } from '../../../plugin/errors.js';
import { DIALECTS, openTestStore } from '../../support/databases.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-but-a-secret\n-----END OPENSSH PRIVATE KEY-----\n';

for (const dialect of DIALECTS) {
  describe(`SSH access on ${dialect}`, () => {
    test('secrets are sealed at rest, the host overrides its group, and listing shows only that they are set', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const db = store.db.manager;
        const box = openSecretBox(join(mkdtempSync(join(tmpdir(), 'dploy-key-')), 'secret.key'));
        const platform = createPlatform('standalone', store);
        const web1 = await platform.addHost({ name: 'web01', macs: ['52:54:00:00:01:01'] });
        const web2 = await platform.addHost({ name: 'web02', macs: ['52:54:00:00:01:02'] });
        const group = await createGroup(db, 'web');
        await addGroupMembers(db, 'web', [web1.id, web2.id]);
        await setRemoteAccess(db, box, { groupId: group.id }, { user: 'deploy', privateKey: KEY, passphrase: 'pp-secret', concurrency: 3 });
        await setRemoteAccess(db, box, { hostId: web2.id }, { address: '10.0.0.2', port: 2222, password: 'pw-secret' });

        const raw = JSON.stringify(await db.query('SELECT * FROM dploy_remote_access'));
        for (const secret of ['pw-secret', 'pp-secret', 'not-a-real-key']) assert.ok(!raw.includes(secret), `${secret} stored in clear`);

        assert.deepEqual(await sshTargetFor(db, box, web1), { address: 'web01', port: 22, user: 'deploy', auth: { privateKey: KEY, passphrase: 'pp-secret' } });
        assert.deepEqual(await sshTargetFor(db, box, web2), { address: '10.0.0.2', port: 2222, user: 'deploy', auth: { password: 'pw-secret' } });
        assert.equal(await groupConcurrency(db, group.id), 3);
        assert.deepEqual(await describeAccess(db, web1.id), { port: '22', user: 'deploy', login: 'private key (set) with passphrase (set)' });
        const third = await platform.addHost({ name: 'db01', macs: ['52:54:00:00:01:03'] });
        assert.equal(await sshTargetFor(db, box, third), undefined);
      } finally {
        await dispose();
      }
    });

    test('a host key is pinned once; a different one is refused, remembered, and accepted only on request', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const db = store.db.manager;
        const pins = databasePins(db);
        const first = await checkHostKey(pins, 'web01:22', Buffer.from('key one'));
        assert.equal(first.ok && first.firstUse, true);
        const again = await checkHostKey(pins, 'web01:22', Buffer.from('key one'));
        assert.equal(again.ok && !again.firstUse, true);
        const changed = await checkHostKey(pins, 'web01:22', Buffer.from('key two'));
        assert.equal(changed.ok, false);
        assert.deepEqual(await listPinnedKeys(db), [{ endpoint: 'web01:22', fingerprint: first.fingerprint, offered: changed.fingerprint }]);
        assert.equal((await checkHostKey(pins, 'web01:22', Buffer.from('key two'))).ok, false, 'refused again until accepted');
        await acceptOfferedKey(db, 'web01:22');
        assert.equal((await checkHostKey(pins, 'web01:22', Buffer.from('key two'))).ok, true);
        await assert.rejects(acceptOfferedKey(db, 'web01:22'), (err) => isDployError(err, 'DPLOY_ERR_CONFLICT'));
        await assert.rejects(acceptOfferedKey(db, 'nowhere:22'), (err) => isDployError(err, 'DPLOY_ERR_NOT_FOUND'));
      } finally {
        await dispose();
      }
    });
  });
}

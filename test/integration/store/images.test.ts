// dploy_images rows on the three databases: recorded, listed in name order,
// sizes past 4 GiB kept exactly (BIGINT), a second image of the same name
// refused, removed; a host deleted leaves its images (ON DELETE SET NULL).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlatform } from '../../../plugin/platforms/index.js';
import {
  activeJobsOfImage,
  deleteImage,
  forgetImageVerified,
  getImage,
  listImages,
  pageOfImages,
  recordImage,
  recordImageVerified,
} from '../../../plugin/store/images.js';
import { createJob, transitionJob } from '../../../plugin/store/jobs.js';
import { DIALECTS, openTestStore } from '../../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`image rows on ${dialect}`, () => {
    test('recorded, listed, refused twice, kept past their host, removed', async () => {
      const { store, dispose } = await openTestStore(dialect);
      try {
        const db = store.db.manager;
        const host = await createPlatform('standalone', store).addHost({ name: 'web01', macs: ['52:54:00:00:22:09'] });
        const at = new Date('2026-12-07T06:00:00.123Z');
        const b = { name: 'web01-b', kind: 'tar-zstd', location: '/srv/images/web01-b', hostId: host.id, sizeBytes: 6 * 2 ** 30 + 1, createdAt: at };
        await recordImage(db, b);
        await recordImage(db, { name: 'web01-a', kind: 'tar-zstd', location: '/srv/images/web01-a', createdAt: at });
        assert.deepEqual(
          (await listImages(db)).map((i) => i.name),
          ['web01-a', 'web01-b'],
        );
        const stored = await getImage(db, 'web01-b');
        assert.deepEqual(stored, { id: stored.id, ...b }, 'never verified: no verified field');
        await assert.rejects(recordImage(db, { name: 'web01-a', kind: 'tar-zstd', location: '/x', createdAt: at }), {
          code: 'DPLOY_ERR_CONFLICT',
          message: 'image web01-a already exists (dploy images list)',
        });
        const first = await pageOfImages(db, { limit: 1 });
        assert.deepEqual([first.images.map((i) => [i.name, i.hostName]), first.total, first.more], [[['web01-a', undefined]], 2, true]);
        const second = await pageOfImages(db, { limit: 1, afterName: 'web01-a' });
        assert.deepEqual([second.images.map((i) => [i.name, i.hostName, i.sizeBytes]), second.more], [[['web01-b', 'web01', b.sizeBytes]], false]);
        const verifiedAt = new Date('2026-12-07T07:00:00.456Z');
        await recordImageVerified(db, 'web01-b', '2-boot.tar.zst: missing', verifiedAt);
        assert.deepEqual((await getImage(db, 'web01-b')).verified, { at: verifiedAt, result: '2-boot.tar.zst: missing' });
        await forgetImageVerified(db, 'web01-b');
        assert.equal((await getImage(db, 'web01-b')).verified, undefined, 'a verify beginning forgets the last result');
        await recordImageVerified(db, 'web01-b', '2-boot.tar.zst: missing', verifiedAt);
        const restore = await createJob(db, { hostId: host.id, kind: 'restore', image: 'web01-b' }, 'test', 'opened');
        assert.deepEqual(await activeJobsOfImage(db, 'web01-b'), [restore.id]);
        await transitionJob(db, restore, 'queued', { to: 'cancelled', message: 'ended', actor: 'test' });
        assert.deepEqual(await activeJobsOfImage(db, 'web01-b'), []);
        await store.db.query(`DELETE FROM dploy_jobs`);
        await store.db.query(`DELETE FROM dploy_hosts WHERE id = ${host.id}`);
        assert.equal((await getImage(db, 'web01-b')).hostId, undefined);
        await deleteImage(db, 'web01-a');
        await assert.rejects(getImage(db, 'web01-a'), { code: 'DPLOY_ERR_NOT_FOUND', message: 'no image "web01-a" (dploy images list)' });
      } finally {
        await dispose();
      }
    });
  });
}

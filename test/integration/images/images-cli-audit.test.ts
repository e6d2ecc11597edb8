// `dploy images verify|remove|prune` write the audit log as the console and
// the API do, with the CLI's actor: who verified which image and what it
// found, who removed or pruned which (and why the policy chose it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAudit } from '../../../plugin/store/audit-log.js';
import { recordImage } from '../../../plugin/store/images.js';
import { runDploy } from '../../support/cli.js';
import { openTestStore } from '../../support/databases.js';
import { seedImage } from '../../support/seeded-image.js';

test('dploy images verify, remove and prune are in the audit log with actor cli', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-images-cli-'));
  const { store, database, dispose } = await openTestStore('sqlite');
  const databaseUrl = database.url;
  const db = store.db.manager;
  try {
    await seedImage(db, join(dir, 'store'), 'web01-golden', { host: 'web01' });
    await recordImage(db, { name: 'old-one', kind: 'tar-zstd', location: join(dir, 'store', 'old-one'), createdAt: new Date('2020-01-01T00:00:00Z') });
    const cli = (...args: string[]) => runDploy(['images', ...args], { cwd: dir, env: { DPLOY_DATABASE_URL: databaseUrl } });
    for (const args of [
      ['verify', 'web01-golden'],
      ['remove', 'web01-golden'],
      ['prune', '--max-age-days', '30'],
    ]) {
      const run = await cli(...args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    }
    assert.deepEqual(
      (await listAudit(db)).reverse().map((a) => [a.actor, a.action, a.target, a.detail]),
      [
        ['cli', 'image.verify', 'web01-golden', 'ok'],
        ['cli', 'image.remove', 'web01-golden', undefined],
        ['cli', 'image.prune', 'old-one', 'older than 30 days (images.maxAgeDays)'],
      ],
    );
  } finally {
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

// A verify started over the API reads in the background: the POST answers 202
// before the reading ends, /healthz answers while it reads, a second verify of
// the same image is refused until it ends, and so is its removal; the result
// is then kept with the image. A verify asked for while the image is being
// removed is refused. dploy stopping mid-verify leaves the image unverified and says so
// in the audit log. The large archive is a sparse file (256 MiB of holes, read
// as zeros at memory speed) whose SHA-256 is not the manifest's: the verify
// must read it all to find that out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTrustServer, type TrustServer } from '../../support/trust-server.js';
import { createTestDatabase } from '../../support/databases.js';
import { seedImage } from '../../support/seeded-image.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';
import { listAudit } from '../../../plugin/store/audit-log.js';
import { openStore } from '../../../plugin/store/database.js';
import { getImage, recordImageVerified } from '../../../plugin/store/images.js';
import { MANIFEST_FILE, type ImageManifest } from '../../../plugin/images/manifest.js';
import { imageVerifies } from '../../../plugin/images/image-verifies.js';
import { removeStoredImage } from '../../../plugin/images/image-catalog.js';

const LARGE = 256 * 1024 * 1024;

async function seedLargeImage(dploy: TrustServer, name: string): Promise<void> {
  const dir = join(dploy.cwd, 'var', 'images', name);
  await seedImage(dploy.server.store.db.manager, join(dploy.cwd, 'var', 'images'), name, { host: 'web01' });
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ImageManifest;
  const archive = manifest.filesystems[0]!.archive;
  truncateSync(join(dir, archive.file), LARGE);
  archive.bytes = LARGE;
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
}

async function call(dploy: TrustServer, token: string, method: string, path: string) {
  const response = await fetch(`${dploy.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as Record<string, unknown> };
}

const checksumOf = async (dploy: TrustServer, token: string, name: string) =>
  (await call(dploy, token, 'GET', `/api/v1/images/${name}`)).body.checksum as { status: string; problem: string | null; verifyingSince: string | null };

test('a verify answers 202 at once and reads in the background; /healthz answers meanwhile; a second one and a removal are refused until it ends', async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const token = (await createApiToken(dploy.server.store.db.manager, 'verifier', 'operator')).token;
    await seedLargeImage(dploy, 'big');
    const started = await call(dploy, token, 'POST', '/api/v1/images/big/verify');
    assert.deepEqual(
      [started.status, started.location, started.body.status, started.body.location],
      [202, '/api/v1/images/big', 'verifying', '/api/v1/images/big'],
    );
    const health = await fetch(`${dploy.url}/healthz`);
    assert.equal(health.status, 200);
    const again = await call(dploy, token, 'POST', '/api/v1/images/big/verify');
    assert.equal(again.status, 409);
    assert.match(String(again.body.message), /^image big is being verified since 20\d\d-[^ ]+Z; its page shows the result when it ends$/);
    const removal = await call(dploy, token, 'DELETE', '/api/v1/images/big');
    assert.equal(removal.status, 409);
    assert.match(String(removal.body.message), /^image big is being verified since 20\d\d-[^ ]+Z; remove it once the verify ends$/);
    // Still reading after all that: the answers above came while the archive was being read, not after.
    const during = await checksumOf(dploy, token, 'big');
    assert.deepEqual([during.status, during.verifyingSince], ['verifying', started.body.since]);
    let after = during;
    while (after.status === 'verifying') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await checksumOf(dploy, token, 'big');
    }
    assert.equal(after.status, 'corrupt');
    assert.match(String(after.problem), /^1-root\.tar\.zst: sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}$/);
    const audit = await listAudit(dploy.server.store.db.manager);
    assert.ok(audit.some((a) => a.actor === 'api:verifier' && a.action === 'image.verify' && a.target === 'big' && a.detail === 'corrupt'));
    // The verify over, the image's files are still there and its removal goes through.
    assert.deepEqual(await call(dploy, token, 'DELETE', '/api/v1/images/big'), { status: 200, location: null, body: { name: 'big', removed: true } });
  } finally {
    await dploy.close();
  }
});

test('a page read as a verify ends shows it verifying or its result, never unverified (the running verifies are looked at before the row)', async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const token = (await createApiToken(dploy.server.store.db.manager, 'verifier', 'operator')).token;
    await seedImage(dploy.server.store.db.manager, join(dploy.cwd, 'var', 'images'), 'small', { host: 'web01' });
    const seen = new Map<string, number>();
    // Small image: each verify ends within milliseconds, so many reads land on the moment one ends.
    for (let round = 0; round < 40; round++) {
      assert.equal((await call(dploy, token, 'POST', '/api/v1/images/small/verify')).status, 202);
      for (;;) {
        const [one, list] = await Promise.all([
          checksumOf(dploy, token, 'small'),
          call(dploy, token, 'GET', '/api/v1/images').then((r) => (r.body.images as Array<{ checksum: { status: string } }>)[0]!.checksum.status),
        ]);
        for (const status of [one.status, list]) seen.set(status, (seen.get(status) ?? 0) + 1);
        if (one.status !== 'verifying' && list !== 'verifying') break;
      }
    }
    assert.equal(seen.get('unverified'), undefined, `statuses seen: ${JSON.stringify([...seen])}`);
    assert.ok(seen.get('ok')! >= 40);
  } finally {
    await dploy.close();
  }
});

test('a verify asked for while the image is being removed is refused; once the removal is over, the image is gone', async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const db = dploy.server.store.db.manager;
    await seedImage(db, join(dploy.cwd, 'var', 'images'), 'old', { host: 'web01' });
    const verifies = imageVerifies(db);
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const removal = verifies.removing('old', async () => {
      await held;
      return removeStoredImage(db, 'old');
    });
    await assert.rejects(verifies.start('old', 'test', console), { code: 'DPLOY_ERR_CONFLICT', message: 'image old is being removed' });
    finish();
    assert.equal((await removal).name, 'old');
    await assert.rejects(verifies.start('old', 'test', console), { code: 'DPLOY_ERR_NOT_FOUND' });
  } finally {
    await dploy.close();
  }
});

test('dploy stopping mid-verify leaves the image unverified (its earlier result forgotten) and the audit log says it was interrupted', async () => {
  const database = await createTestDatabase('sqlite');
  try {
    const dploy = await startTrustServer('sqlite', {}, undefined, database);
    try {
      const token = (await createApiToken(dploy.server.store.db.manager, 'verifier', 'operator')).token;
      await seedLargeImage(dploy, 'big');
      // An earlier verify's result, which the interrupted one must not leave standing.
      await recordImageVerified(dploy.server.store.db.manager, 'big', 'ok');
      assert.equal((await checksumOf(dploy, token, 'big')).status, 'ok');
      assert.equal((await call(dploy, token, 'POST', '/api/v1/images/big/verify')).status, 202);
    } finally {
      // The server alone: the database stays for the look after the stop.
      await dploy.server.close();
    }
    const store = await openStore(database.url);
    try {
      assert.equal((await getImage(store.db.manager, 'big')).verified, undefined);
      const audit = await listAudit(store.db.manager);
      assert.deepEqual(
        audit.filter((a) => a.action === 'image.verify').map((a) => [a.actor, a.target, a.detail]),
        [['api:verifier', 'big', 'interrupted: dploy stopped; the image is unverified']],
      );
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});

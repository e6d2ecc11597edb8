// Retention by policy on a real store (SQLite rows, image directories on
// disk) and through the real CLI: the N newest images of each host kept,
// images past the age limit removed, never one an active restore job reads;
// --dry-run removes nothing. The pure choice is checked on its edges too.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { imagesToPrune, pruneImages } from '../../../plugin/images/retention.js';
import { listImages, recordImage } from '../../../plugin/store/images.js';
import { createJob } from '../../../plugin/store/jobs.js';
import type { Store } from '../../../plugin/store/database.js';
import { runDploy } from '../../support/cli.js';
import { openTestStore } from '../../support/databases.js';

const NOW = new Date('2026-12-07T09:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

let dir: string;
let store: Store;
let databaseUrl: string;
let dispose: () => Promise<void>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dploy-retention-'));
  const opened = await openTestStore('sqlite');
  ({ store, dispose } = opened);
  databaseUrl = opened.database.url;
});

after(async () => {
  await dispose?.();
  rmSync(dir, { recursive: true, force: true });
});

/** web01 has five images (1 to 5 days old), web02 one of 40 days; an active restore job reads web01's oldest. */
async function fillStore(storeDir: string): Promise<void> {
  const platform = createPlatform('standalone', store);
  const web01 = await platform.addHost({ name: 'web01', macs: ['52:54:00:00:31:01'] });
  const web02 = await platform.addHost({ name: 'web02', macs: ['52:54:00:00:31:02'] });
  const images: Array<[string, number, number]> = [
    ['web01-d1', web01.id, 1],
    ['web01-d2', web01.id, 2],
    ['web01-d3', web01.id, 3],
    ['web01-d4', web01.id, 4],
    ['web01-d5', web01.id, 5],
    ['web02-d40', web02.id, 40],
  ];
  for (const [name, hostId, age] of images) {
    const location = join(storeDir, name);
    mkdirSync(location, { recursive: true });
    writeFileSync(join(location, 'manifest.json'), '{}');
    await recordImage(store.db.manager, { name, kind: 'tar-zstd', location, hostId, createdAt: daysAgo(age) });
  }
  await createJob(store.db.manager, { hostId: web01.id, kind: 'restore', image: 'web01-d5' }, 'test', 'restore queued');
}

describe('image retention', () => {
  test('keepPerHost and maxAgeDays choose per host and by age; an image in use and the fresh one never', () => {
    const images = [
      { name: 'a1', hostId: 1, createdAt: daysAgo(1) },
      { name: 'a2', hostId: 1, createdAt: daysAgo(2) },
      { name: 'a3', hostId: 1, createdAt: daysAgo(3) },
      { name: 'b1', hostId: 2, createdAt: daysAgo(9) },
      { name: 'orphan', createdAt: daysAgo(9) },
    ];
    assert.deepEqual(
      imagesToPrune(images, { keepPerHost: 1, maxAgeDays: 0 }, NOW, new Set()).map((c) => c.name),
      ['a2', 'a3'],
    );
    assert.deepEqual(
      imagesToPrune(images, { keepPerHost: 0, maxAgeDays: 5 }, NOW, new Set(['b1'])).map((c) => c.name),
      ['orphan'],
    );
    assert.deepEqual(
      imagesToPrune(images, { keepPerHost: 1, maxAgeDays: 0 }, NOW, new Set(), 'a3').map((c) => c.name),
      ['a2'],
    );
    assert.deepEqual(imagesToPrune(images, { keepPerHost: 0, maxAgeDays: 0 }, NOW, new Set()), []);
  });

  test('pruneImages removes rows and directories the policy does not keep, never one an active restore job reads', async () => {
    const storeDir = join(dir, 'store-a');
    await fillStore(storeDir);
    const dry = await pruneImages(store.db.manager, { keepPerHost: 2, maxAgeDays: 30 }, { dryRun: true, now: NOW });
    assert.deepEqual(
      dry.map((c) => c.name),
      ['web01-d3', 'web01-d4', 'web02-d40'],
    );
    assert.equal((await listImages(store.db.manager)).length, 6, 'a dry run removed something');
    const removed = await pruneImages(store.db.manager, { keepPerHost: 2, maxAgeDays: 30 }, { now: NOW });
    assert.deepEqual(removed, dry);
    assert.deepEqual(
      (await listImages(store.db.manager)).map((i) => i.name),
      ['web01-d1', 'web01-d2', 'web01-d5'],
    );
    for (const name of ['web01-d3', 'web01-d4', 'web02-d40']) assert.equal(existsSync(join(storeDir, name)), false, name);
    assert.equal(existsSync(join(storeDir, 'web01-d5')), true, 'the image an active restore reads was removed');
  });
});

describe('dploy images prune', () => {
  test('--dry-run lists what the policy would remove and why; without it they are gone; no policy is refused', async () => {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      runDploy(['images', 'prune', ...args], { cwd: dir, env: { DPLOY_DATABASE_URL: databaseUrl, ...env } });
    const refused = await cli([]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no retention policy: set images\.keepPerHost or images\.maxAgeDays, or give --keep-per-host or --max-age-days/);
    const before = (await listImages(store.db.manager)).map((i) => i.name);
    const dry = await cli(['--dry-run', '--keep-per-host', '1']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^would remove image web01-d2: beyond the 1 newest of host \d+ \(images\.keepPerHost\)\n$/);
    assert.deepEqual(
      (await listImages(store.db.manager)).map((i) => i.name),
      before,
    );
    const real = await cli([], { DPLOY_IMAGES_KEEP_PER_HOST: '1' });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^removed image web01-d2: beyond the 1 newest/);
    assert.deepEqual(
      (await listImages(store.db.manager)).map((i) => i.name),
      ['web01-d1', 'web01-d5'],
    );
    const bad = await cli(['--keep-per-host', 'two']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /images\.keepPerHost must be a whole number ≥ 0/);
  });
});

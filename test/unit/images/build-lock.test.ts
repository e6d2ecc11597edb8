// Two `dploy boot-env build` runs on one cache directory: the second waits for
// the first instead of unpacking into the same tree; a lock left by a killed
// build is taken over.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBuildLock } from '../../../plugin/bootenv/build-lock.js';
import { DployError } from '../../../plugin/errors.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a second build waits until the first is done, then runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-build-lock-'));
  const steps: string[] = [];
  const waited: number[] = [];
  const first = withBuildLock(dir, 'amd64', async () => {
    steps.push('first start');
    await pause(1500);
    steps.push('first end');
  });
  await pause(50);
  const second = withBuildLock(
    dir,
    'amd64',
    async () => {
      steps.push('second start');
    },
    { onWait: (pid) => waited.push(pid) },
  );
  await Promise.all([first, second]);
  assert.deepEqual(steps, ['first start', 'first end', 'second start']);
  assert.deepEqual(waited, [process.pid], 'told whom it waits for');
  assert.equal(existsSync(join(dir, 'build-amd64.lock')), false, 'released');
});

test('another architecture is not held up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-build-lock-'));
  const order: string[] = [];
  await Promise.all([
    withBuildLock(dir, 'amd64', async () => {
      await pause(500);
      order.push('amd64');
    }),
    withBuildLock(dir, 'arm64', async () => {
      order.push('arm64');
    }),
  ]);
  assert.deepEqual(order, ['arm64', 'amd64']);
});

test('a lock whose build was killed is taken over; one held too long is refused with the pid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-build-lock-'));
  const gone = spawnSync('true').pid; // a pid that has exited
  writeFileSync(join(dir, 'build-amd64.lock'), `${gone}\n`);
  assert.equal(await withBuildLock(dir, 'amd64', async () => 'built'), 'built');

  writeFileSync(join(dir, 'build-amd64.lock'), `${process.pid}\n`); // held by a live process (this one)
  await assert.rejects(
    withBuildLock(dir, 'amd64', async () => 'never', { waitMs: 200 }),
    (err: unknown) => err instanceof DployError && err.code === 'DPLOY_ERR_CONFLICT' && err.message.includes(`pid ${process.pid}`),
  );
});

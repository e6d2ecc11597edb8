// A machine of two disks (its / and /boot on the first, /srv on a data disk):
// the image job captures both tables, and the real dploy-restore lays each
// on its own target disk, in the image's order, refusing too few disks or a
// too-small second one before anything is written. Real sshd, loop disks,
// ext4; md and LVM over several disks are test/e2e/storage-stack.test.ts
// (this kernel has neither). Root is needed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { readManifest } from '../../../plugin/images/image-store.js';
import type { Job } from '../../../plugin/model/job.js';
import { blkid, loopDisk, mount, unmountBelow, type LoopDisk } from '../../support/disk-image.js';
import { describeTree } from '../../support/file-tree.js';
import { startImageLab, type ImageLab } from '../../support/image-lab.js';

const RESTORE = join(import.meta.dirname, '../../../agent-scripts/dploy-restore');
const IMAGE = 'web01-two-disks';

let lab: ImageLab;
const targets: LoopDisk[] = [];

before(async () => {
  lab = await startImageLab({ dataDisk: true });
});

after(async () => {
  if (lab) unmountBelow(join(lab.dir, 'restored'));
  for (const t of targets) t.detach();
  await lab?.stop();
});

/** A restore job for the image, and dploy-restore run onto `disks` (MiB each) as the machine would; the job as it ended. */
async function restoreOnto(...mib: number[]): Promise<{ job: Job; disks: LoopDisk[]; status: number; output: string }> {
  const disks = mib.map((size, i) => loopDisk(join(lab.dir, `target-${targets.length}-${i}.img`), size));
  targets.push(...disks);
  await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'restore', image: IMAGE, force: false, actor: 'test' });
  const booting = await lab.settle('restore');
  assert.equal(booting.state, 'booting', booting.message);
  const args = ['--url', lab.url, '--token', lab.tokens.tokenFor(booting), '--disk', disks.map((d) => d.device).join(','), '--root', join(lab.dir, 'restored')];
  let status = 0;
  let output = '';
  try {
    const ran = await promisify(execFile)('sh', [RESTORE, ...args, '--no-bootloader'], { encoding: 'utf8', timeout: 60_000 });
    output = ran.stdout + ran.stderr;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    status = typeof e.code === 'number' ? e.code : -1;
    output = (e.stdout ?? '') + (e.stderr ?? '');
  }
  return { job: await lab.settle('restore'), disks, status, output };
}

describe('images: a machine of two disks', () => {
  test('the image holds both partition tables; /srv is placed on the second disk', async () => {
    await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'image', image: IMAGE, force: false, actor: 'test' });
    const job = await lab.settle('image');
    assert.equal(job.state, 'done', job.message);
    const m = await readManifest(join(lab.storeDir, IMAGE));
    assert.deepEqual(
      m.disks.map((d) => d.device),
      [lab.source.device, lab.data!.device],
    );
    assert.deepEqual(
      m.filesystems.map((f) => [f.mountpoint.slice(lab.src.length) || '/', f.disk, f.partition]),
      [
        ['/', lab.source.device, 1],
        ['/boot', lab.source.device, 2],
        ['/srv', lab.data!.device, 1],
      ],
    );
  });

  test('a machine with one disk is refused before anything is written, saying how many the image needs', async () => {
    const { job, disks, status } = await restoreOnto(96);
    assert.equal(status, 1);
    assert.equal(job.state, 'failed');
    assert.match(
      job.message ?? '',
      new RegExp(`^image ${IMAGE} spans 2 disks; this machine has 1 to restore onto in dploy\\.disk=${disks[0]!.device} \\(nothing was written`),
    );
    assert.equal(spawnSync('blkid', ['-p', disks[0]!.device]).status, 2, 'the disk was written');
  });

  test('a second disk smaller than the data disk is refused by name, before the first is written', async () => {
    const { job, disks, status } = await restoreOnto(96, 16);
    assert.equal(status, 1);
    assert.match(
      job.message ?? '',
      new RegExp(`^${disks[1]!.device} has 16777216 bytes; image ${IMAGE} needs at least \\d+ \\(its source disk had 33554432\\)`),
    );
    assert.equal(spawnSync('blkid', ['-p', disks[0]!.device]).status, 2, 'the first disk was written');
  });

  test('two larger disks: each gets its own table, UUIDs, labels and files, and the job is done', async () => {
    const { job, disks, status, output } = await restoreOnto(96, 48);
    assert.equal(status, 0, output);
    assert.equal(job.state, 'done', job.message);
    assert.match(output, new RegExp(`^dploy-restore: image ${IMAGE} restored onto ${disks[0]!.device} ${disks[1]!.device}$`, 'm'));
    for (const d of disks) execFileSync('partx', ['-u', d.device]);
    const pairs: Array<[string, string]> = [
      [lab.source.partition(1), disks[0]!.partition(1)],
      [lab.source.partition(2), disks[0]!.partition(2)],
      [lab.data!.partition(1), disks[1]!.partition(1)],
    ];
    for (const [was, now] of pairs)
      for (const field of ['TYPE', 'UUID', 'LABEL', 'PART_ENTRY_UUID', 'PART_ENTRY_SIZE'])
        assert.equal(blkid(now)[field], blkid(was)[field], `${now} ${field}`);
    const restored = join(lab.dir, 'restored');
    mount(disks[0]!.partition(1), restored);
    mount(disks[1]!.partition(1), `${restored}/srv`);
    assert.equal(describeTree(`${restored}/srv`), describeTree(`${lab.src}/srv`));
  });
});

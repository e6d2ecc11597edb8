// btrfs with subvolumes end to end, on real btrfs (loop devices) and a real
// sshd: a Fedora-like layout (/ mounted subvol=root, /home subvol=home, a
// subvolume nested in root) and a SUSE-like one (/ the default subvolume
// @/.snapshots/1/snapshot mounted without subvol=, @/home, an old snapper
// snapshot) are captured by the image job and restored by the real
// agent-scripts/dploy-restore onto a blank loop disk: the same subvolumes,
// default subvolume, UUID, label and files; a bind mount of a btrfs directory
// asked for is refused. Root is needed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { readManifest } from '../../../plugin/images/image-store.js';
import { blkid, loopDisk, unmountBelow, type LoopDisk } from '../../support/disk-image.js';
import { buildTestTree, describeTree } from '../../support/file-tree.js';
import { startImageLab, type ImageLab } from '../../support/image-lab.js';

const RESTORE = join(import.meta.dirname, '../../../agent-scripts/dploy-restore');
const TABLE = 'label: gpt\nsize=180MiB, name=system\n';
/** The mountpoints the image job captures: set by each test (the lab's settings hold this array). */
const asked: string[] = [];
const disks: LoopDisk[] = [];
let lab: ImageLab;

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

function btrfsMount(device: string, dir: string, subvol?: string): void {
  mkdirSync(dir, { recursive: true });
  run('mount', '-t', 'btrfs', ...(subvol ? ['-o', subvol] : []), device, dir);
}

/** A blank disk with one partition, made btrfs with these subvolumes (parents first) and this default. */
function btrfsDisk(name: string, subvolumes: string[], defaultSubvolume?: string): LoopDisk {
  const disk = loopDisk(join(lab.dir, `${name}.img`), 200, TABLE);
  disks.push(disk);
  run('mkfs.btrfs', '-q', '-L', name, disk.partition(1));
  const top = join(lab.dir, `${name}-top`);
  btrfsMount(disk.partition(1), top, 'subvolid=5');
  try {
    for (const s of subvolumes) {
      mkdirSync(join(top, s, '..'), { recursive: true });
      run('btrfs', 'subvolume', 'create', join(top, s));
    }
    if (defaultSubvolume) run('btrfs', 'subvolume', 'set-default', join(top, defaultSubvolume));
  } finally {
    unmountBelow(top);
  }
  return disk;
}

/** The filesystem's subvolume paths and default, read from its top level. */
function layoutOf(device: string): { subvolumes: string[]; defaultSubvolume: string } {
  const top = join(lab.dir, 'inspect');
  btrfsMount(device, top, 'subvolid=5');
  try {
    const subvolumes = [...run('btrfs', 'subvolume', 'list', '-a', top).matchAll(/ path (.+)$/gm)].map((m) => m[1]!.replace(/^<FS_TREE>\//, '')).sort();
    const defaultSubvolume = / path (.+)$/.exec(run('btrfs', 'subvolume', 'get-default', top).trim())?.[1] ?? '(top level)';
    return { subvolumes, defaultSubvolume };
  } finally {
    unmountBelow(top);
  }
}

/** What a restore must give back: the subvolumes, the default, the UUID and label, each mounted subvolume's files. */
interface Expected {
  layout: { subvolumes: string[]; defaultSubvolume: string };
  id: Record<string, string>;
  trees: string[];
}

/**
 * The image job on the mountpoints asked, then a restore job run by dploy-restore onto a blank disk. The source is
 * described and then detached first: like a real target, the restore's machine has no other filesystem with its UUID
 * (mkfs.btrfs refuses to make a second one, and the kernel tells btrfs filesystems apart by it).
 */
async function captureAndRestore(
  source: LoopDisk,
  image: string,
  mountpoints: string[],
  described = mountpoints,
): Promise<{ target: LoopDisk; expected: Expected; layout: Expected['layout'] }> {
  asked.splice(0, asked.length, ...mountpoints);
  await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'image', image, force: false, actor: 'test' });
  const captured = await lab.settle('image');
  assert.equal(captured.state, 'done', captured.message);
  const expected = { layout: layoutOf(source.partition(1)), id: blkid(source.partition(1)), trees: described.map((d) => describeTree(d)) };
  unmountBelow(mountpoints[0]!);
  source.detach();
  disks.splice(disks.indexOf(source), 1);
  run('btrfs', 'device', 'scan', '--forget');

  const target = loopDisk(join(lab.dir, `${image}-target.img`), 200);
  disks.push(target);
  await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'restore', image, force: false, actor: 'test' });
  const booting = await lab.settle('restore');
  assert.equal(booting.state, 'booting', booting.message);
  const args = ['--url', lab.url, '--token', lab.tokens.tokenFor(booting), '--disk', target.device, '--root', join(lab.dir, 'restored'), '--no-bootloader'];
  const { stdout } = await promisify(execFile)('sh', [RESTORE, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.match(stdout, new RegExp(`image ${image} restored onto ${target.device}`));
  const restored = await lab.settle('restore');
  assert.equal(restored.state, 'done', restored.message);
  run('partx', '-u', target.device);
  const now = blkid(target.partition(1));
  for (const field of ['TYPE', 'UUID', 'LABEL']) assert.equal(now[field], expected.id[field], field);
  return { target, expected, layout: layoutOf(target.partition(1)) };
}

before(async () => {
  lab = await startImageLab({ images: () => ({ filesystems: asked }) });
});

after(async () => {
  if (lab) unmountBelow(lab.dir);
  for (const d of disks) d.detach();
  await lab?.stop();
});

describe('images: btrfs subvolumes', () => {
  test('Fedora-like: / is subvol=root, /home subvol=home, a subvolume nested in root; the restore makes the same subvolumes, UUID, label and files', async () => {
    const source = btrfsDisk('fedora', ['root', 'home', 'root/var/lib/machines']);
    const src = join(lab.dir, 'fedora');
    btrfsMount(source.partition(1), src, 'subvol=root');
    btrfsMount(source.partition(1), join(src, 'home'), 'subvol=home');
    buildTestTree(src);
    mkdirSync(join(src, 'home/alice'));
    writeFileSync(join(src, 'home/alice/notes.txt'), 'in the home subvolume\n');
    writeFileSync(join(src, 'var/lib/machines/image.raw'), 'in a subvolume no mount shows\n');

    const device = source.partition(1);
    const uuid = blkid(device).UUID;
    const { target, expected, layout } = await captureAndRestore(
      source,
      'fedora-golden',
      [src, join(src, 'home')],
      [src, join(src, 'home'), join(src, 'var/lib/machines')],
    );
    const m = await readManifest(join(lab.storeDir, 'fedora-golden'));
    assert.deepEqual(
      m.filesystems.map((f) => [f.mountpoint, f.device, f.subvolume]),
      [
        [src, device, '/root'],
        [join(src, 'home'), device, '/home'],
        // Below /, no mount of its own: archived from where it shows (--one-file-system leaves it out of /'s archive).
        [join(src, 'var/lib/machines'), device, '/root/var/lib/machines'],
      ],
    );
    assert.deepEqual(m.btrfs, [{ device, uuid, subvolumes: ['/home', '/root', '/root/var/lib/machines'], defaultSubvolume: '/' }]);

    assert.deepEqual(expected.layout, { subvolumes: ['home', 'root', 'root/var/lib/machines'], defaultSubvolume: '(top level)' });
    assert.deepEqual(layout, expected.layout);
    const restored = join(lab.dir, 'fedora-restored');
    btrfsMount(target.partition(1), restored, 'subvol=root');
    btrfsMount(target.partition(1), join(restored, 'home'), 'subvol=home');
    try {
      assert.deepEqual([describeTree(restored), describeTree(join(restored, 'home')), describeTree(join(restored, 'var/lib/machines'))], expected.trees);
    } finally {
      unmountBelow(restored);
    }
  });

  test('SUSE-like: / is the default subvolume @/.snapshots/1/snapshot mounted without subvol=; the restore makes it the default again, old snapshots stay behind', async () => {
    const source = btrfsDisk('suse', ['@', '@/home', '@/var', '@/.snapshots', '@/.snapshots/1/snapshot', '@/.snapshots/2/snapshot'], '@/.snapshots/1/snapshot');
    const src = join(lab.dir, 'suse');
    btrfsMount(source.partition(1), src);
    btrfsMount(source.partition(1), join(src, 'home'), 'subvol=@/home');
    mkdirSync(join(src, 'etc'));
    writeFileSync(join(src, 'etc/os-release'), 'NAME="SLES"\n');
    writeFileSync(join(src, 'home/bob.txt'), 'in @/home\n');

    const { target, expected, layout } = await captureAndRestore(source, 'suse-golden', [src, join(src, 'home')]);
    const m = await readManifest(join(lab.storeDir, 'suse-golden'));
    assert.deepEqual(
      m.filesystems.map((f) => f.subvolume),
      ['/@/.snapshots/1/snapshot', '/@/home'],
    );
    assert.equal(m.btrfs?.[0]?.defaultSubvolume, '/@/.snapshots/1/snapshot');

    // The old snapshot is the one subvolume not carried.
    assert.equal(expected.layout.defaultSubvolume, '@/.snapshots/1/snapshot');
    assert.deepEqual(layout, { ...expected.layout, subvolumes: expected.layout.subvolumes.filter((s) => s !== '@/.snapshots/2/snapshot') });
    // Mounted as the source's / was, without subvol=: the default subvolume holds the root's files.
    const restored = join(lab.dir, 'suse-restored');
    btrfsMount(target.partition(1), restored);
    btrfsMount(target.partition(1), join(restored, 'home'), 'subvol=@/home');
    try {
      assert.deepEqual([describeTree(restored), describeTree(join(restored, 'home'))], expected.trees);
    } finally {
      unmountBelow(restored);
    }
  });

  test('a btrfs bind mount of a directory asked for is refused by name: it is no subvolume', async () => {
    const source = btrfsDisk('bound', ['root']);
    const src = join(lab.dir, 'bound');
    btrfsMount(source.partition(1), src, 'subvol=root');
    mkdirSync(join(src, 'data'));
    mkdirSync(join(lab.dir, 'bound-data'));
    run('mount', '--bind', join(src, 'data'), join(lab.dir, 'bound-data'));
    asked.splice(0, asked.length, src, join(lab.dir, 'bound-data'));
    await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'image', image: 'bound', force: false, actor: 'test' });
    const job = await lab.settle('image');
    assert.equal(job.state, 'failed');
    assert.match(
      job.message ?? '',
      new RegExp(`${join(lab.dir, 'bound-data')} \\(${source.partition(1)}\\[/root/data\\]\\) is a bind mount of a directory, no btrfs subvolume`),
    );
  });
});

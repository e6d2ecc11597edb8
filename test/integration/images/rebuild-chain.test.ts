// The chain "backup, reinstall, restore" (a rebuild task) on real parts: the
// capture over a real sshd (the image lab's loop-disk machine), the reboot
// asked over SSH, the install stage driven by the callbacks an installer
// sends, and the chosen paths put back by the real agent-scripts/dploy-restore
// --paths (GNU tar, zstd, curl) into a "freshly installed" tree, from dploy's
// own routes. What the operator sees: the job's stages in order, each one's
// status words, the restored files equal to the machine's, the paths not
// chosen left as the install made them; a failed stage stops the chain with
// its reason; a cancel stops it. Root is needed (loop devices, sshd).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { saveProfile } from '../../../plugin/installers/index.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { cancelJob } from '../../../plugin/jobs/cancel-job.js';
import { statusWords } from '../../../plugin/jobs/status-words.js';
import { readManifest } from '../../../plugin/images/image-store.js';
import { boundBootJob } from '../../../plugin/store/job-binding.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents, getJob } from '../../../plugin/store/jobs.js';
import type { Job } from '../../../plugin/model/job.js';
import { loopDisk, mount, unmountBelow, type LoopDisk } from '../../support/disk-image.js';
import { describeTree } from '../../support/file-tree.js';
import { startImageLab, type ImageLab } from '../../support/image-lab.js';

const RESTORE = join(import.meta.dirname, '../../../agent-scripts/dploy-restore');
const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as unknown;

let lab: ImageLab;
let rebooted: string;
let firstImage: string;
const disks: LoopDisk[] = [];

before(async () => {
  lab = await startImageLab({
    images: (src) => ({
      // /etc and /srv of the machine's / (they hold hard links to each other), and its /boot filesystem whole.
      restorePaths: [`${src}/etc`, `${src}/srv`, `${src}/boot`],
      rebootCommand: `touch ${join(src, '..', 'reboot-requested')}`,
      // Each test here captures once: the fourth capture removes the first test's image.
      retention: { keepPerHost: 3, maxAgeDays: 0 },
    }),
  });
  rebooted = join(lab.dir, 'reboot-requested');
  await saveProfile(lab.store.db.manager, PROFILE, { replace: false });
});

after(async () => {
  for (const name of ['installed', 'installed-2', 'installed-3']) if (lab) unmountBelow(join(lab.dir, name));
  for (const disk of disks) disk.detach();
  await lab?.stop();
});

async function event(job: Job, name: string, message: string): Promise<number> {
  const r = await fetch(`${lab.url}/agent/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: lab.tokens.tokenFor(job), event: name, message }),
  });
  return r.status;
}

/** Runs dploy-restore --paths as the post-install script does: the copy dploy serves to the job, else (a closed job) the repository's. */
async function restorePaths(job: Job, root: string): Promise<{ status: number; stderr: string }> {
  const served = await fetch(`${lab.url}/images/${lab.tokens.tokenFor(job)}/dploy-restore`);
  let script = RESTORE;
  if (served.ok) {
    script = join(lab.dir, `dploy-restore-${job.id}`);
    writeFileSync(script, await served.text());
    assert.equal(readFileSync(script, 'utf8'), readFileSync(RESTORE, 'utf8'), 'dploy serves another script than agent-scripts/dploy-restore');
  }
  try {
    const { stderr } = await promisify(execFile)('sh', [script, '--paths', '--url', lab.url, '--token', lab.tokens.tokenFor(job), '--root', root], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

/** Sets the task, runs the chain to its install stage, and plays the installer up to its post-install script. */
async function toInstalling(): Promise<Job> {
  await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'rebuild', profile: 'debian-12-web', force: false, actor: 'test' });
  const booting = await lab.settle('rebuild');
  assert.equal(booting.state, 'booting', booting.message);
  // The install boot entry the machine fetches binds the chain's job as it binds an install job.
  await boundBootJob(lab.store.db.manager, 'install', await getHost(lab.store.db.manager, lab.hostId), '127.0.0.1');
  assert.equal(await event(booting, 'started', 'debian-installer started'), 200);
  const installing = await getJob(lab.store.db.manager, booting.id);
  assert.equal(installing.state, 'installing');
  return installing;
}

/** What the installer left: new filesystems laid out as the machine's (new UUIDs), its own /etc, /srv and /boot, and a /dev the chain must not touch. */
function freshInstall(name: string): string {
  const root = join(lab.dir, name);
  const disk = loopDisk(join(lab.dir, `${name}.img`), 64, 'label: gpt\nsize=40MiB, name=root\nsize=16MiB, name=boot\n');
  disks.push(disk);
  execFileSync('mkfs.ext4', ['-q', disk.partition(1)]);
  execFileSync('mkfs.ext2', ['-q', disk.partition(2)]);
  mount(disk.partition(1), root);
  mount(disk.partition(2), join(root, lab.src, 'boot'));
  for (const d of ['etc/app', 'srv', 'boot', 'dev']) mkdirSync(join(root, lab.src, d), { recursive: true });
  writeFileSync(join(root, lab.src, 'etc/app/config'), 'written by the installer\n');
  writeFileSync(join(root, lab.src, 'srv/data.bin'), 'installer data\n');
  writeFileSync(join(root, lab.src, 'dev/installed-only'), 'not chosen\n');
  return root;
}

describe('rebuild: backup, reinstall, restore as one job', () => {
  test('the chain captures, reboots into the install, restores the chosen paths byte for byte, and leaves the rest as installed', async () => {
    const installing = await toInstalling();
    const host = await getHost(lab.store.db.manager, lab.hostId);
    assert.deepEqual(host.bootState, { kind: 'install', profile: 'debian-12-web' });
    for (let i = 0; i < 50 && !existsSync(rebooted); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(rebooted), 'the machine was not asked to reboot over SSH');
    assert.match(statusWords(lab.kinds.get('rebuild')!, installing), /^installing debian-12-web \(step 4\/6\) since \d\d:\d\d$/);

    const root = freshInstall('installed');
    const untouched = describeTree(join(root, lab.src, 'dev'));
    const run = await restorePaths(installing, root);
    assert.equal(run.status, 0, run.stderr);
    const restoring = await getJob(lab.store.db.manager, installing.id);
    assert.equal(restoring.state, 'restoring-paths');
    assert.match(
      statusWords(lab.kinds.get('rebuild')!, restoring),
      new RegExp(`^restoring ${lab.src}/etc, ${lab.src}/srv, ${lab.src}/boot into the installed system \\(step 5/6\\)`),
    );
    // The installer's own callback, sent when post.sh has returned.
    assert.equal(await event(installing, 'installed', 'debian-installer finished'), 200);
    const done = await lab.settle('rebuild');
    assert.equal(done.state, 'done', done.message);

    const image = `web01-${done.id}`;
    firstImage = image;
    assert.equal(
      done.message,
      `reinstalled debian-12-web, ${lab.src}/etc, ${lab.src}/srv, ${lab.src}/boot restored from image ${image}; boot state back to localboot`,
    );
    const events = await jobEvents(lab.store.db.manager, done.id);
    assert.deepEqual(
      events.map((e) => e.toState).filter((s, i, all) => s !== all[i - 1]),
      ['queued', 'capturing', 'rebooting', 'booting', 'installing', 'restoring-paths', 'finishing', 'done'],
    );
    assert.match(events.find((e) => e.toState === 'rebooting')!.message, new RegExp(`^image ${image}: .*; boot state set to install:debian-12-web$`));
    assert.deepEqual((await getHost(lab.store.db.manager, lab.hostId)).bootState, { kind: 'localboot' });

    for (const path of ['etc', 'srv']) assert.equal(describeTree(join(root, lab.src, path)), describeTree(join(lab.src, path)), path);
    assert.equal(describeTree(join(root, lab.src, 'boot')), describeTree(join(lab.src, 'boot')));
    assert.equal(describeTree(join(root, lab.src, 'dev')), untouched, 'a path not chosen was changed');
  });

  test('a stage that fails stops the chain with its reason; the installer calling back afterwards changes nothing', async () => {
    const installing = await toInstalling();
    // The image's root archive cut short: what a network lost half-way looks like to the installed system.
    const m = await readManifest(join(lab.storeDir, `web01-${installing.id}`));
    truncateSync(join(lab.storeDir, `web01-${installing.id}`, m.filesystems[0]!.archive.file), Math.floor(m.filesystems[0]!.archive.bytes / 2));
    const root = freshInstall('installed-2');
    const run = await restorePaths(installing, root);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(await event(installing, 'installed', 'debian-installer finished'), 200);
    const failed = await lab.settle('rebuild');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.message, `${m.filesystems[0]!.archive.file} is not a complete zstd stream (restoring into ${root}; what was restored before stays)`);
    assert.match(statusWords(lab.kinds.get('rebuild')!, failed), /^failed: .* is not a complete zstd stream/);
    assert.deepEqual((await getHost(lab.store.db.manager, lab.hostId)).bootState, { kind: 'localboot' });
    const states = (await jobEvents(lab.store.db.manager, failed.id)).map((e) => e.toState);
    assert.deepEqual(states.slice(-2), ['restoring-paths', 'failed'], 'the stage that failed, then nothing');
  });

  test('an installer that reports installed without the restore having run fails the chain, never done', async () => {
    const installing = await toInstalling();
    assert.equal(await event(installing, 'installed', 'debian-installer finished'), 200);
    const failed = await lab.settle('rebuild');
    assert.equal(failed.state, 'failed');
    assert.match(failed.message ?? '', /^the installer reported "installed" but .*\/etc, .*\/srv, .*\/boot were never restored/);
  });

  test('cancel stops the chain: boot state back to local, its image routes closed, later callbacks ignored; its capture applied the retention policy', async () => {
    const installing = await toInstalling();
    const captured = (await jobEvents(lab.store.db.manager, installing.id)).find((e) => e.toState === 'rebooting')!;
    assert.match(
      captured.message,
      new RegExp(`; retention removed ${firstImage} \\(beyond the 3 newest of host ${lab.hostId} \\(images\\.keepPerHost\\)\\); boot state set`),
    );
    assert.equal(existsSync(join(lab.storeDir, firstImage)), false, 'the pruned image is still in the store');
    const token = lab.tokens.tokenFor(installing);
    assert.equal((await fetch(`${lab.url}/images/${token}/paths`)).status, 200);
    const cancelled = await cancelJob(lab.store.db, lab.platform, lab.kinds, installing.id, 'test', 'dploy jobs cancel');
    assert.equal(cancelled.state, 'cancelled');
    assert.deepEqual((await getHost(lab.store.db.manager, lab.hostId)).bootState, { kind: 'localboot' });
    for (const path of ['paths', 'dploy-restore']) assert.equal((await fetch(`${lab.url}/images/${token}/${path}`)).status, 404, path);
    const run = await restorePaths(installing, freshInstall('installed-3'));
    assert.equal(run.status, 1);
    assert.equal((await getJob(lab.store.db.manager, installing.id)).state, 'cancelled');
  });
});

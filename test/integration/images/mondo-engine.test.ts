// engine mondo: the image task drives the machine's own mondoarchive over SSH.
// MondoRescue is packaged nowhere this project can reach, so the machine's
// mondoarchive is test/support/fake-mondoarchive.sh, a named stand-in that
// honours the documented flags and writes real ISOs with xorriso (a mindi-like
// boot tree and the archived files). Everything of dploy's is real: sshd as
// root on loopback, the runner, the image store, verify, the restore job and
// its boot entry, the /images routes. Root is needed (loop disks, sshd).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { runnerTick } from '../../../plugin/jobs/runner.js';
import { readManifest, verifyImage } from '../../../plugin/images/image-store.js';
import { restoreImageProvider } from '../../../plugin/images/restore-boot.js';
import type { ImageManifest } from '../../../plugin/images/manifest.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { findImage } from '../../../plugin/store/images.js';
import { getJob, jobEvents, listJobs } from '../../../plugin/store/jobs.js';
import type { Job } from '../../../plugin/model/job.js';
import { runDploy } from '../../support/cli.js';
import { startImageLab, type ImageLab } from '../../support/image-lab.js';

const IMAGE = 'web01-mondo';
const NETFS = 'nfs://192.0.2.10:/export/dploy-images';
const BOOT_ENV = { kernel: 'dploy/vmlinuz', initrd: 'dploy/initrd.img', args: 'quiet' };

let lab: ImageLab;
let scratch: string;
let manifest: ImageManifest;

before(async () => {
  lab = await startImageLab({
    fakeMondo: true,
    images: (src) => ({ mondoScratchDir: join(dirname(src), 'mondo-scratch') }),
    hooks: { mondoNetfs: NETFS },
  });
  scratch = join(lab.dir, 'mondo-scratch');
});

after(async () => {
  await lab?.stop();
});

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const runs = () => readFileSync(join(lab.dir, 'mondoarchive.argv'), 'utf8').split('--- run\n').filter(Boolean);
const capture = (image: string) =>
  setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'image', image, engine: 'mondo', force: false, actor: 'test' });

describe('images: engine mondo (against fake-mondoarchive.sh)', () => {
  test('a machine without mondoarchive fails the capture saying so, and mondoarchive never ran', async () => {
    renameSync(join(lab.dir, 'bin', 'mondoarchive'), join(lab.dir, 'bin', 'mondoarchive.off'));
    try {
      await capture('no-mondo');
      const job = await lab.settle('image');
      assert.equal(job.state, 'failed');
      assert.match(job.message ?? '', /^mondoarchive is not installed on web01; engine mondo needs MondoRescue there \(or use the default engine\)$/);
      assert.equal(existsSync(join(lab.dir, 'mondoarchive.argv')), false);
      assert.equal(await findImage(lab.store.db.manager, 'no-mondo'), undefined);
    } finally {
      renameSync(join(lab.dir, 'bin', 'mondoarchive.off'), join(lab.dir, 'bin', 'mondoarchive'));
    }
  });

  test('the image job runs mondoarchive with the documented flags and stores its ISOs with their SHA-256', async () => {
    await capture(IMAGE);
    const job = await lab.settle('image');
    assert.equal(job.state, 'done', job.message);
    const work = `${scratch}/${IMAGE}`;
    assert.deepEqual(runs().at(-1)?.trimEnd().split('\n'), [
      ...['-O', '-i', '-N', '-G', '-s', '4480m', '-d', `${work}/iso`, '-p', IMAGE, '-S', `${work}/scratch`, '-T', `${work}/tmp`],
      ...['-I', `${lab.src}|${lab.src}/boot`, '-E', scratch],
    ]);
    const row = await findImage(lab.store.db.manager, IMAGE);
    assert.equal(row?.kind, 'mondo');
    manifest = await readManifest(row!.location);
    assert.equal(manifest.engine, 'mondo');
    assert.deepEqual(manifest.filesystems, []);
    assert.deepEqual(
      manifest.mondo?.filesystems.map((f) => f.mountpoint),
      [lab.src, `${lab.src}/boot`],
    );
    assert.equal(manifest.isos?.length, 1);
    const iso = manifest.isos![0]!;
    assert.equal(iso.file, `${IMAGE}-1.iso`);
    assert.equal(iso.sha256, sha256(join(row!.location, iso.file)));
    assert.equal(row?.sizeBytes, iso.bytes + manifest.mondo!.mindi.kernel.bytes + manifest.mondo!.mindi.initrd.bytes);
    // mindi's kernel and initrd came out of the first ISO; the arguments are its nuke label's, initrd= left to the entry.
    assert.equal(readFileSync(join(row!.location, 'mindi-vmlinuz'), 'utf8'), `fake mindi kernel for ${IMAGE}\n`);
    assert.equal(manifest.mondo?.mindi.kernel.sha256, sha256(join(row!.location, 'mindi-vmlinuz')));
    assert.deepEqual(manifest.mondo?.mindi.args, ['load_ramdisk=1', 'prompt_ramdisk=0', 'ramdisk_size=36864', 'rw', 'root=/dev/ram', 'iso_mode', 'nuke']);
    // The ISO holds the machine's files (the fake's archive of /), and the source keeps nothing of the run.
    const archive = join(lab.dir, 'archive-1.tar.gz');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', join(row!.location, iso.file), '-extract', '/archives/1.tar.gz', archive], { stdio: 'ignore' });
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' });
    assert.match(listing, /^\.\/boot\/$/m);
    assert.equal(existsSync(work), false, 'the ISOs were removed from the source');
    assert.match(job.message ?? '', new RegExp(`image ${IMAGE}: 1 Mondo ISO\\(s\\) of ${lab.src}, ${lab.src}/boot`));
  });

  test('a failing mondoarchive fails the job with the end of its output; its scratch directory is removed', async () => {
    const fake = join(lab.dir, 'bin', 'mondoarchive');
    renameSync(fake, `${fake}.real`);
    writeFileSync(fake, '#!/bin/sh\necho "Insufficient space in the scratch directory"\nexit 1\n', { mode: 0o755 });
    try {
      await capture('failing');
      const job = await lab.settle('image');
      assert.equal(job.state, 'failed');
      assert.match(job.message ?? '', /: mondoarchive exited with 1: Insufficient space in the scratch directory$/);
      assert.equal(existsSync(`${scratch}/failing`), false);
      assert.equal(await findImage(lab.store.db.manager, 'failing'), undefined);
    } finally {
      renameSync(`${fake}.real`, fake);
    }
  });

  test('verify reads the ISOs again and names one that changed', async () => {
    const dir = (await findImage(lab.store.db.manager, IMAGE))!.location;
    assert.deepEqual(
      (await verifyImage(dir)).map((c) => [c.file, c.ok]),
      [
        [`${IMAGE}-1.iso`, true],
        ['mindi-vmlinuz', true],
        ['mindi-initrd.img', true],
      ],
    );
    const iso = join(dir, `${IMAGE}-1.iso`);
    const bytes = readFileSync(iso);
    bytes[40_000] = bytes[40_000]! ^ 0xff;
    writeFileSync(iso, bytes);
    const changed = (await verifyImage(dir)).filter((c) => !c.ok);
    assert.equal(changed.length, 1);
    assert.equal(changed[0]!.file, `${IMAGE}-1.iso`);
    assert.match(changed[0]!.problem ?? '', /^sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}$/);
    const cli = await runDploy(['images', 'verify', IMAGE], { cwd: lab.dir, env: { DPLOY_DATABASE_URL: lab.databaseUrl } });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /image web01-mondo: 1 of 3 archive\(s\) do not match manifest\.json/);
    bytes[40_000] = bytes[40_000]! ^ 0xff;
    writeFileSync(iso, bytes);
  });

  test('dploy images show lists the filesystems inside the ISOs and every Mondo file with its SHA-256', async () => {
    const shown = await runDploy(['images', 'show', IMAGE], { cwd: lab.dir, env: { DPLOY_DATABASE_URL: lab.databaseUrl } });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /engine: +mondo \(mondoarchive -O -i -N -G -s 4480m /);
    for (const f of [...manifest.isos!, manifest.mondo!.mindi.kernel, manifest.mondo!.mindi.initrd])
      assert.match(shown.stdout, new RegExp(`^${f.file.replace(/\./g, '\\.')} +${f.bytes} +${f.sha256}$`, 'm'));
    assert.match(shown.stdout, new RegExp(`^${lab.src}/boot `, 'm'));
  });

  test('without images.mondoNetfs the restore of a Mondo image is refused, naming the setting', async () => {
    const runner = { ...lab.runner, kinds: jobKinds({ bootSeconds: 1200, installSeconds: 7200 }) };
    await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'restore', image: IMAGE, force: false, actor: 'test' });
    let job: Job | undefined;
    for (let i = 0; i < 50 && job?.state !== 'failed'; i++) {
      await runnerTick(runner);
      job = (await listJobs(lab.store.db.manager, {})).filter((j) => j.kind === 'restore').sort((a, b) => b.id - a.id)[0];
    }
    assert.equal(job?.state, 'failed');
    assert.match(job?.message ?? '', /^image web01-mondo is a Mondo ISO set, restored by mindi over NFS: set images\.mondoNetfs to the NFS export/);
  });

  test("the restore entry boots mindi's kernel and initrd with README.pxe's arguments", async () => {
    await setTask(lab.store.db, lab.platform, lab.kinds, { hostIds: [lab.hostId], task: 'restore', image: IMAGE, force: false, actor: 'test' });
    const booting = await lab.settle('restore');
    assert.equal(booting.state, 'booting', booting.message);
    const token = lab.tokens.tokenFor(booting);
    const entry = await restoreImageProvider(lab.store.db, {
      bootEnvironment: () => BOOT_ENV,
      httpBaseUrl: () => lab.url,
      tokenFor: (j) => lab.tokens.tokenFor(j),
      mondoNetfs: NETFS,
    })({ kind: 'restore', image: IMAGE }, { loader: 'ipxe', host: await getHost(lab.store.db.manager, lab.hostId), clientAddress: '127.0.0.1' });
    const nic = manifest.nics?.[0]?.name ?? 'eth0';
    assert.deepEqual(entry, {
      kernel: `${lab.url}/images/${token}/mindi-vmlinuz`,
      initrds: [`${lab.url}/images/${token}/mindi-initrd.img`],
      args: [
        ...['load_ramdisk=1', 'prompt_ramdisk=0', 'ramdisk_size=36864', 'rw', 'root=/dev/ram', 'iso_mode', 'nuke'],
        ...['pxe', `prefix=${IMAGE}`, `ipconf=${nic}:dhcp`, `netfs=${NETFS}/${IMAGE}`],
      ],
    });
    // The machine bound to the job fetches them over HTTP; the ISOs themselves are not served.
    const kernel = await fetch(`${lab.url}/images/${token}/mindi-vmlinuz`);
    assert.equal(kernel.status, 200);
    assert.equal(await kernel.text(), `fake mindi kernel for ${IMAGE}\n`);
    assert.equal((await fetch(`${lab.url}/images/${token}/${IMAGE}-1.iso`)).status, 404);
  });

  test("the machine's next network boot after mindi's entry ends the restore and boots its disk; a loader asking twice in one boot gets mindi again", async () => {
    const provider = restoreImageProvider(lab.store.db, {
      bootEnvironment: () => BOOT_ENV,
      httpBaseUrl: () => lab.url,
      tokenFor: (j) => lab.tokens.tokenFor(j),
      mondoNetfs: NETFS,
    });
    const ask = async () =>
      provider({ kind: 'restore', image: IMAGE }, { loader: 'ipxe', host: await getHost(lab.store.db.manager, lab.hostId), clientAddress: '127.0.0.1' });
    const job = (await listJobs(lab.store.db.manager, {})).filter((j) => j.kind === 'restore').sort((a, b) => b.id - a.id)[0]!;
    const served = (await jobEvents(lab.store.db.manager, job.id)).filter((e) => e.message.startsWith("mindi's restore entry served"));
    assert.equal(served.length, 1, 'the last test fetched the entry once');
    assert.match((await ask())?.kernel ?? '', /mindi-vmlinuz$/, 'seconds later: the same boot, mindi again');
    // mindi booted and mondorestore ran for minutes: the fetch now is the machine's next boot.
    await lab.store.db.manager.getRepository('JobEvent').update({ id: served[0]!.id }, { at: new Date(Date.now() - 200_000) });
    assert.equal(await ask(), undefined, 'local boot');
    assert.match(
      (await getJob(lab.store.db.manager, job.id)).message ?? '',
      /^the machine network-booted again 3 min after mindi's entry: mondorestore --nuke ended/,
    );
    const done = await lab.settle('restore');
    assert.equal(done.state, 'done', done.message);
    assert.deepEqual((await getHost(lab.store.db.manager, lab.hostId))?.bootState, { kind: 'localboot' });
  });
});

// Image capture and restore throughput against the physical limit here
// (issue 22): a tree of BENCH_IMAGE_MIB (default 2048) MiB on an ext4 loop
// disk, captured over a real sshd on loopback by dploy's image job path, and
// restored onto a blank loop disk by the real dploy-restore from dploy's
// routes; against the same run's `tar | zstd` and `sfdisk; mkfs; zstd -d | tar`
// on the same data. Prints both ratios (target ≥ 0.8). Needs root.

import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { captureImage } from '../../plugin/images/capture.js';
import { TAR_CREATE } from '../../plugin/images/capture.js';
import { restorePlan } from '../../plugin/images/restore-plan.js';
import { memoryPins } from '../../plugin/remote/host-key-trust.js';
import { jobKinds } from '../../plugin/jobs/kinds/index.js';
import { runnerTick } from '../../plugin/jobs/runner.js';
import { setTask } from '../../plugin/jobs/set-task.js';
import { jobTokens } from '../../plugin/jobs/job-token.js';
import { createPlatform } from '../../plugin/platforms/index.js';
import { recordImage } from '../../plugin/store/images.js';
import { listJobs } from '../../plugin/store/jobs.js';
import { registerErrorHandler } from '../../plugin/web/errors.js';
import { agentJobRoutes } from '../../plugin/web/routes/agent-jobs.js';
import { restoreImageRoutes } from '../../plugin/web/routes/restore-images.js';
import { openTestStore } from '../support/databases.js';
import { startSshd } from '../support/sshd.js';
import { loopDisk, mount, unmountBelow, type LoopDisk } from '../support/disk-image.js';

const MIB = Number(process.env.BENCH_IMAGE_MIB ?? 2048);
const RESTORE = join(import.meta.dirname, '../../agent-scripts/dploy-restore');
const sh = (script: string) => execFileSync('sh', ['-ec', script], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

const dir = mkdtempSync(join(tmpdir(), 'dploy-images-bench-'));
const src = join(dir, 'src');
const disks: LoopDisk[] = [];
const diskMib = Math.ceil(MIB * 1.3) + 64;
const table = `label: gpt\nsize=${diskMib - 8}MiB, name=root\n`;

/** Half random (incompressible), half text: both ends of what zstd meets on a real root filesystem. */
function fillTree(): void {
  const text = Buffer.from('Dec  7 06:00:00 web01 systemd[1]: Started dploy benchmark unit number 12345.\n'.repeat(14000)).subarray(0, 2 ** 20);
  for (let i = 0; i < MIB; i++) {
    const d = join(src, `d${Math.floor(i / 64)}`);
    if (i % 64 === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}`), i % 2 ? randomBytes(2 ** 20) : text);
  }
}

async function main(): Promise<void> {
  const sshd = await startSshd(1, { root: true });
  const { store, dispose } = await openTestStore('sqlite');
  const app = Fastify();
  try {
    const key = sshd.key('ed25519');
    const source = loopDisk(join(dir, 'source.img'), diskMib, table);
    disks.push(source);
    execFileSync('mkfs.ext4', ['-q', '-L', 'bench-root', source.partition(1)]);
    mount(source.partition(1), src);
    fillTree();
    sh('sync; echo 3 > /proc/sys/vm/drop_caches || true');

    // Capture: dploy over SSH vs tar | zstd on the same tree, same flags.
    let t = process.hrtime.bigint();
    sh(`cd ${src} && ${TAR_CREATE} . | zstd -q -c -T0 -3 > ${dir}/baseline.tar.zst`);
    const tarZstd = seconds(t);
    const storeDir = join(dir, 'images');
    t = process.hrtime.bigint();
    const m = await captureImage(
      { address: '127.0.0.1', port: sshd.port, user: 'root', auth: { privateKey: key } },
      { pins: memoryPins(), storeDir, name: 'bench', host: 'bench', filesystems: [src] },
    );
    const capture = seconds(t);
    unmountBelow(src);

    // Restore: dploy-restore from dploy's routes vs sfdisk + mkfs + zstd -d | tar, onto blank disks of the same size.
    const baselineDisk = loopDisk(join(dir, 'baseline-target.img'), diskMib);
    disks.push(baselineDisk);
    const plan = restorePlan(m);
    const fs = m.filesystems[0]!;
    t = process.hrtime.bigint();
    sh(
      `awk '/^table-begin /{on=1;next} /^table-end$/{on=0} on' <<'EOF' | sfdisk -q ${baselineDisk.device}\n${plan}EOF\npartx -u ${baselineDisk.device}\n` +
        `mkfs.ext4 -F -q -U ${fs.uuid} -L ${fs.label} ${baselineDisk.device}p1\nmkdir -p ${dir}/b && mount ${baselineDisk.device}p1 ${dir}/b\n` +
        `zstd -d -q -c ${dir}/baseline.tar.zst | tar -x -f - --sparse --xattrs --xattrs-include='*' --acls --selinux --numeric-owner -p -C ${dir}/b\numount ${dir}/b; sync`,
    );
    const zstdTar = seconds(t);

    const platform = createPlatform('standalone', store);
    const kinds = jobKinds({ bootSeconds: 1200, installSeconds: 7200 });
    const tokens = jobTokens(Buffer.alloc(32, 9));
    const host = await platform.addHost({ name: 'bench', macs: ['52:54:00:00:99:01'] });
    await recordImage(store.db.manager, { name: 'bench', kind: 'tar-zstd', location: join(storeDir, 'bench'), hostId: host.id, createdAt: new Date() });
    await setTask(store.db, platform, kinds, { hostIds: [host.id], task: 'restore', image: 'bench', force: false, actor: 'bench' });
    const runner = { db: store.db, dialect: 'sqlite' as const, platform, kinds, owner: 'bench', leaseSeconds: 60, batchSize: 10, maxAttempts: 3, budgetMs: 0 };
    await runnerTick({ ...runner, log: { info() {}, warn() {}, error() {} } });
    const [job] = await listJobs(store.db.manager, {});
    registerErrorHandler(app);
    restoreImageRoutes(app, { db: store.db, jobTokens: tokens });
    agentJobRoutes(app, { db: store.db, platform, kinds, jobTokens: tokens });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const target = loopDisk(join(dir, 'target.img'), diskMib);
    disks.push(target);
    t = process.hrtime.bigint();
    await promisify(execFile)('sh', [
      RESTORE,
      '--url',
      url,
      '--token',
      tokens.tokenFor(job!),
      '--disk',
      target.device,
      '--root',
      join(dir, 'r'),
      '--no-bootloader',
    ]);
    sh('sync');
    const restore = seconds(t);

    const line = (what: string, ours: number, peer: string, theirs: number) =>
      console.log(
        `${what}: dploy ${(MIB / ours).toFixed(0)} MiB/s (${ours.toFixed(2)} s), ${peer} ${(MIB / theirs).toFixed(0)} MiB/s (${theirs.toFixed(2)} s), ratio ${(theirs / ours).toFixed(2)}x (target >= 0.8)`,
      );
    console.log(`tree: ${MIB} MiB (half random, half text), compressed ${fs.archive.bytes} bytes`);
    line('capture over SSH', capture, 'tar | zstd', tarZstd);
    line('restore over HTTP', restore, 'sfdisk; mkfs; zstd -d | tar', zstdTar);
  } finally {
    await app.close();
    unmountBelow(dir);
    for (const d of disks) d.detach();
    await dispose();
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

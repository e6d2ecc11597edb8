// The lab the image tests share: a "machine" reached over a real sshd as root
// (its disk a loop device with a GPT, an ext4 / holding the byte-faithfulness
// tree and an ext2 /boot below it; with `dataDisk`, a second disk whose one
// ext4 partition is /srv), dploy's store (SQLite), runner options,
// and dploy's own /images and /agent routes on a loopback port. Needs root.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { jobKinds, type JobKinds, type KindHooks } from '../../plugin/jobs/kinds/index.js';
import type { ImageSettings } from '../../plugin/jobs/kinds/image.js';
import { runnerTick, type RunnerOptions } from '../../plugin/jobs/runner.js';
import { jobTokens, type JobTokens } from '../../plugin/jobs/job-token.js';
import { createPlatform, type Platform } from '../../plugin/platforms/index.js';
import { openSecretBox } from '../../plugin/secret-box.js';
import { listJobs } from '../../plugin/store/jobs.js';
import { setRemoteAccess } from '../../plugin/store/remote-access.js';
import type { Store } from '../../plugin/store/database.js';
import type { Job } from '../../plugin/model/job.js';
import { registerErrorHandler } from '../../plugin/web/errors.js';
import { agentJobRoutes } from '../../plugin/web/routes/agent-jobs.js';
import { restoreImageRoutes } from '../../plugin/web/routes/restore-images.js';
import { openTestStore } from './databases.js';
import { startSshd } from './sshd.js';
import { loopDisk, mount, unmountBelow, type LoopDisk } from './disk-image.js';
import { buildTestTree } from './file-tree.js';

const SOURCE_TABLE = 'label: gpt\nsize=40MiB, name=root\nsize=16MiB, name=boot\n';
const quiet = { info() {}, warn() {}, error() {} };

export interface ImageLab {
  dir: string;
  /** The source machine's / (its /boot mounted below). */
  src: string;
  storeDir: string;
  source: LoopDisk;
  /** The second disk (/srv), when asked for. */
  data?: LoopDisk;
  tokens: JobTokens;
  kinds: JobKinds;
  store: Store;
  databaseUrl: string;
  platform: Platform;
  runner: RunnerOptions;
  /** dploy's routes, http://127.0.0.1:<port> */
  url: string;
  hostId: number;
  /** Runs the runner until the newest job of the kind is booting or ended. */
  settle(kind: string): Promise<Job>;
  stop(): Promise<void>;
}

/**
 * `images`: settings beyond the store and the filesystems, given the source's / (the chain's restore paths, its reboot command).
 * `fakeMondo`: the machine has test/support/fake-mondoarchive.sh as its mondoarchive (in <dir>/bin, first in its sessions' PATH);
 * each run's argv lands in <dir>/mondoarchive.argv. `hooks`: the job kinds' hooks beyond images (images.mondoNetfs).
 */
export async function startImageLab(
  o: { images?: (src: string) => Partial<ImageSettings>; dataDisk?: boolean; fakeMondo?: boolean; hooks?: Omit<KindHooks, 'images'> } = {},
): Promise<ImageLab> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-images-'));
  const src = join(dir, 'src');
  const storeDir = join(dir, 'images');
  const tokens = jobTokens(Buffer.alloc(32, 7));
  const box = openSecretBox(join(dir, 'secret.key'));
  const extra = o.images?.(src) ?? {};
  const kinds = jobKinds(
    { bootSeconds: 1200, installSeconds: 7200 },
    {
      images: { secrets: () => box, storeDir, filesystems: [src, `${src}/boot`, ...(o.dataDisk ? [`${src}/srv`] : [])], captureTimeoutSeconds: 600, ...extra },
      ...o.hooks,
    },
  );
  if (o.fakeMondo) {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(new URL('./fake-mondoarchive.sh', import.meta.url), join(dir, 'bin', 'mondoarchive'));
    chmodSync(join(dir, 'bin', 'mondoarchive'), 0o755);
  }
  const sshd = await startSshd(1, {
    root: true,
    ...(o.fakeMondo ? { path: `${join(dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` } : {}),
  });
  const key = sshd.key('ed25519');
  const source = loopDisk(join(dir, 'source.img'), 64, SOURCE_TABLE);
  const data = o.dataDisk ? loopDisk(join(dir, 'data.img'), 32, 'label: gpt\nsize=24MiB, name=srv\n') : undefined;
  try {
    execFileSync('mkfs.ext4', ['-q', '-L', 'dploy-root', source.partition(1)]);
    execFileSync('mkfs.ext2', ['-q', '-L', 'boot', source.partition(2)]);
    mount(source.partition(1), src);
    mount(source.partition(2), `${src}/boot`);
    buildTestTree(src);
    mkdirSync(`${src}/boot/grub`, { recursive: true });
    writeFileSync(`${src}/boot/grub/grub.cfg`, 'search --fs-uuid --set=root\n');
    if (data) {
      execFileSync('mkfs.ext4', ['-q', '-L', 'srv', data.partition(1)]);
      mount(data.partition(1), `${src}/srv`);
      writeFileSync(`${src}/srv/on-the-second-disk`, 'srv\n');
    }
  } catch (err) {
    // The test's after() has no lab to stop: leave no loop device, mount or sshd behind.
    unmountBelow(dir);
    source.detach();
    data?.detach();
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const { store, dispose, database } = await openTestStore('sqlite');
  const platform = createPlatform('standalone', store);
  const runner: RunnerOptions = {
    db: store.db,
    dialect: 'sqlite',
    platform,
    kinds,
    owner: 'test:1',
    leaseSeconds: 60,
    batchSize: 50,
    maxAttempts: 3,
    budgetMs: 60_000,
    log: quiet,
  };
  const host = await platform.addHost({ name: 'web01', macs: ['52:54:00:00:22:01'] });
  await setRemoteAccess(store.db.manager, box, { hostId: host.id }, { address: '127.0.0.1', port: sshd.port, user: 'root', privateKey: key });

  const app = Fastify();
  registerErrorHandler(app);
  restoreImageRoutes(app, { db: store.db, jobTokens: tokens, ...(extra.restorePaths ? { restorePaths: extra.restorePaths } : {}) });
  agentJobRoutes(app, { db: store.db, platform, kinds, jobTokens: tokens });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    dir,
    src,
    storeDir,
    source,
    ...(data ? { data } : {}),
    tokens,
    kinds,
    store,
    databaseUrl: database.url,
    platform,
    runner,
    url,
    hostId: host.id,
    async settle(kind) {
      for (let i = 0; i < 120; i++) {
        await runnerTick(runner);
        const job = (await listJobs(store.db.manager, {})).filter((j) => j.kind === kind).sort((a, b) => b.id - a.id)[0];
        if (job && ['done', 'failed', 'cancelled', 'booting'].includes(job.state)) return job;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${kind} job did not settle`);
    },
    async stop() {
      unmountBelow(dir);
      source.detach();
      data?.detach();
      await app.close();
      await dispose();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

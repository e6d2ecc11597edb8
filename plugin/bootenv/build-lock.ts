// One boot environment build per architecture and cache directory at a time:
// two builds unpack into the same root-<arch> tree and remove each other's
// files (seen: ENOTEMPTY, a busybox gone). A second build waits for the first
// and then, most often, finds its result current. The lock is a file holding
// the builder's pid, made with O_EXCL; a lock whose process is gone (a build
// killed half-way) is taken over.

import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DployError } from '../errors.js';

const POLL_MS = 1_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withBuildLock<T>(
  cacheDir: string,
  arch: string,
  work: () => Promise<T>,
  o: { waitMs?: number; onWait?: (pid: number) => void } = {},
): Promise<T> {
  const path = join(cacheDir, `build-${arch}.lock`);
  const deadline = Date.now() + (o.waitMs ?? 60 * 60_000);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (!Number.isInteger(holder) || !alive(holder)) {
      rmSync(path, { force: true }); // its builder is gone: whatever it left is redone from scratch
      continue;
    }
    if (Date.now() > deadline)
      throw new DployError('DPLOY_ERR_CONFLICT', `another boot environment build (pid ${holder}) has held ${path} too long; stop it or remove the file`);
    if (!told) o.onWait?.(holder);
    told = true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}

// The static route: files under the TFTP root (pxelinux.0, grubx64.efi, kernels,
// initrds). The request path is already normalised (request-path.ts); this file
// adds what only the file system knows: a symlink must not lead out of the root,
// and only regular files are served (a FIFO or device would hang or leak).

import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { DployError } from '../errors.js';
import { FileCache } from './file-cache.js';
import { bufferSource } from './route.js';
import type { TftpRequest, TftpRoute, TftpSource } from './route.js';

export interface StaticRootOptions {
  root: string;
  /** Shared across routes and transfers; default: 512 MiB total, 256 MiB per file. */
  cache?: FileCache;
}

const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);

export function createStaticRootRoute(options: StaticRootOptions): TftpRoute {
  const cache = options.cache ?? new FileCache({ maxBytes: 512 * 2 ** 20, maxFileBytes: 256 * 2 ** 20 });
  let rootReal: Promise<string> | undefined;
  const resolveRoot = () => {
    rootReal ??= realpath(options.root).catch((err: unknown) => {
      rootReal = undefined;
      throw new DployError('DPLOY_ERR_TFTP', `TFTP root ${options.root} cannot be opened: create it or fix tftp.root`, { cause: err });
    });
    return rootReal;
  };
  return {
    name: 'static-root',
    async open(request: TftpRequest): Promise<TftpSource | undefined> {
      const root = await resolveRoot();
      const real = await resolveInside(root, request.path);
      if (real === undefined) return undefined;
      return openRegularFile(real, cache);
    },
  };
}

async function resolveInside(root: string, path: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(join(root, path));
  } catch (err) {
    if (NOT_THERE.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw denied(`${path} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!real.startsWith(root + sep)) throw denied(`${path} resolves outside the TFTP root`);
  return real;
}

async function openRegularFile(real: string, cache: FileCache): Promise<TftpSource> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: the last component cannot be swapped for a symlink after
    // realpath() checked it; O_NONBLOCK: opening a FIFO does not hang.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw denied(`${real} cannot be opened (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw denied(`${real} is not a regular file`);
    const cached = await cache.get(real, { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs }, handle);
    if (cached === undefined) return fileHandleSource(handle, stat.size);
    await handle.close();
    return bufferSource(cached);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** For files too big for the cache: one positional read per window. */
function fileHandleSource(handle: FileHandle, size: number): TftpSource {
  return {
    size,
    async read(offset, length) {
      // A fresh buffer per read: an earlier one may still sit in a send queue.
      const bytes = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return bytes.subarray(0, done);
    },
    close: () => handle.close(),
  };
}

function denied(message: string): DployError {
  return new DployError('DPLOY_ERR_TFTP_ACCESS_DENIED', message);
}

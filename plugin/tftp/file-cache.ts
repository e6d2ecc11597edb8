// One read-only copy in memory of each file served, shared by every transfer:
// in a boot storm hundreds of machines fetch the same pxelinux.0 and the same
// 30–100 MiB initrd, so the disk is read once and DATA packets are views of the
// cached bytes (no copy per packet). The bytes live in a SharedArrayBuffer, so
// a transfer worker thread reads the same copy (transfer-pool.ts). An entry is valid while the file's inode,
// size and mtime are unchanged; least recently used entries go first.

import type { FileHandle } from 'node:fs/promises';

export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface Entry extends FileIdentity {
  bytes: Promise<Buffer>;
}

export interface FileCacheLimits {
  /** All cached files together. */
  maxBytes: number;
  /** One file; bigger ones are read from their file handle per window. */
  maxFileBytes: number;
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(private readonly limits: FileCacheLimits) {}

  /** The file's bytes, loaded through `handle` on a miss; undefined when too big to cache. */
  async get(realPath: string, identity: FileIdentity, handle: FileHandle): Promise<Buffer | undefined> {
    if (identity.size > this.limits.maxFileBytes || identity.size > this.limits.maxBytes) return undefined;
    const hit = this.entries.get(realPath);
    if (hit && sameFile(hit, identity)) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(realPath);
      this.entries.set(realPath, hit);
      return hit.bytes;
    }
    if (hit) this.drop(realPath, hit);
    const entry: Entry = { ...identity, bytes: readWhole(handle, identity.size) };
    this.entries.set(realPath, entry);
    this.total += identity.size;
    this.evict();
    try {
      return await entry.bytes;
    } catch (err) {
      if (this.entries.get(realPath) === entry) this.drop(realPath, entry);
      throw err;
    }
  }

  get cachedBytes(): number {
    return this.total;
  }

  private evict(): void {
    for (const [path, entry] of this.entries) {
      if (this.total <= this.limits.maxBytes) return;
      this.drop(path, entry);
    }
  }

  private drop(path: string, entry: Entry): void {
    this.entries.delete(path);
    this.total -= entry.size;
  }
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

async function readWhole(handle: FileHandle, size: number): Promise<Buffer> {
  const bytes = Buffer.from(new SharedArrayBuffer(size));
  let done = 0;
  while (done < size) {
    const { bytesRead } = await handle.read(bytes, done, size - done, done);
    if (bytesRead === 0) throw new Error(`file shrank while being read (${done} of ${size} bytes)`);
    done += bytesRead;
  }
  return bytes;
}

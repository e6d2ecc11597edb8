// The tree an image must carry byte for byte (issue 22): hard links, sparse
// files (one past 4 GiB), xattrs in several namespaces, POSIX ACLs (access
// and default), device nodes, a FIFO, symlinks, set-id bits, owners with no
// name on this machine, nanosecond times. And a description of a tree that
// differs when any of those differ, for comparing a restore with its source.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  closeSync,
  writeSync,
  ftruncateSync,
  writeFileSync,
  linkSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';

const sh = (script: string, cwd: string) => execFileSync('sh', ['-ec', script], { cwd, encoding: 'utf8' });

export const BIG_SPARSE_BYTES = 5 * 2 ** 30;

export function buildTestTree(dir: string): void {
  mkdirSync(join(dir, 'etc/app'), { recursive: true });
  mkdirSync(join(dir, 'srv/shared'), { recursive: true });
  mkdirSync(join(dir, 'dev'), { recursive: true });
  writeFileSync(join(dir, 'etc/app/config'), 'listen 8080\n');
  writeFileSync(join(dir, 'srv/data.bin'), createHash('sha512').update('dploy').digest().toString('hex').repeat(4000));
  linkSync(join(dir, 'srv/data.bin'), join(dir, 'srv/data-link.bin'));
  linkSync(join(dir, 'srv/data.bin'), join(dir, 'etc/app/third-link'));
  symlinkSync('../srv/data.bin', join(dir, 'etc/data'));
  // Sparse: a hole, 1 MiB of data, a hole; and a 5 GiB file with data just past 4 GiB and at its end.
  const sparse = openSync(join(dir, 'srv/sparse.img'), 'w');
  writeSync(sparse, Buffer.alloc(2 ** 20, 0x5a), 0, 2 ** 20, 8 * 2 ** 20);
  ftruncateSync(sparse, 32 * 2 ** 20);
  closeSync(sparse);
  const big = openSync(join(dir, 'srv/big-sparse.img'), 'w');
  writeSync(big, Buffer.from('past the 4 GiB line'), 0, 19, 4 * 2 ** 30 + 12345);
  writeSync(big, Buffer.from('the end'), 0, 7, BIG_SPARSE_BYTES - 7);
  closeSync(big);
  sh(
    [
      'setfattr -n user.comment -v "kept by dploy" etc/app/config',
      'setfattr -n trusted.origin -v 0x00ff10 srv/data.bin',
      'setfacl -m u:4321:rw-,g:4322:r--,m::rw- srv/data.bin',
      'setfacl -d -m u:4321:rwx srv/shared',
      'mknod dev/null-like c 1 3',
      'mknod dev/disk-like b 7 200',
      'mkfifo srv/queue',
      'chown 4321:4322 srv/shared etc/app/config',
      'chown -h 4323:4324 etc/data',
      'chmod 4750 etc/app/config',
      'chmod 2775 srv/shared',
      // After chown, which clears file capabilities.
      'setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 etc/app/config',
      'touch -d "2021-03-04 05:06:07.123456789" srv/sparse.img',
      'mkdir "srv/name with spaces" && echo x > "srv/name with spaces/ünïcödé"',
    ].join('\n'),
    dir,
  );
}

/** One line per entry: type, mode, owner, size, blocks (sparseness), times, link target, device, content hash, hard-link group; then every xattr and ACL. */
export function describeTree(dir: string, o: { coarse?: boolean } = {}): string {
  const lines: string[] = [];
  const inodes = new Map<bigint, string>();
  const rootDev = lstatSync(dir, { bigint: true }).dev;
  const walk = (rel: string) => {
    const path = join(dir, rel);
    const st = lstatSync(path, { bigint: true });
    // Another filesystem mounted here is described on its own (its archive is its own).
    if (st.dev !== rootDev) return void lines.push(`mountpoint ${rel}`);
    const kind = st.isDirectory()
      ? 'd'
      : st.isFile()
        ? 'f'
        : st.isSymbolicLink()
          ? 'l'
          : st.isFIFO()
            ? 'p'
            : st.isCharacterDevice()
              ? 'c'
              : st.isBlockDevice()
                ? 'b'
                : 's';
    const fields = [kind, rel || '.', `size=${kind === 'd' ? '-' : st.size}`];
    if (!o.coarse) {
      fields.push(`mode=${(st.mode & 0o7777n).toString(8)}`, `owner=${st.uid}:${st.gid}`, `mtime=${st.mtimeNs}`, `blocks=${kind === 'f' ? st.blocks : '-'}`);
      if (kind === 'c' || kind === 'b') fields.push(`rdev=${st.rdev}`);
    }
    if (kind === 'l') fields.push(`-> ${readlinkSync(path)}`);
    if (kind === 'f') {
      if (st.nlink > 1n && !o.coarse) {
        const first = inodes.get(st.ino);
        if (first) fields.push(`hardlink-of=${first}`);
        else inodes.set(st.ino, rel);
      }
      fields.push(`sha256=${contentHash(path, st.size)}`);
    }
    lines.push(fields.join(' '));
    if (kind === 'd') for (const name of readdirSync(path).sort()) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  // One block per file, in name order (getfattr -R walks in directory order, which differs between two filesystems).
  if (!o.coarse)
    lines.push(
      ...sh('getfattr -R -P -d -m - -e hex . 2>/dev/null || true', dir)
        .split(/\n\n+/)
        .filter((b) => b.trim())
        .sort(),
    );
  return lines.join('\n');
}

/** Large sparse files are hashed through GNU tar --sparse, which reads only their data (SEEK_DATA), in well under a second. */
function contentHash(path: string, size: bigint): string {
  if (size <= 64n * 2n ** 20n) return createHash('sha256').update(readFileSync(path)).digest('hex');
  const data = execFileSync(
    'sh',
    ['-c', 'tar --sparse --format=gnu --mtime=@0 --owner=0 --group=0 --mode=600 -cf - -C "$(dirname "$1")" "$(basename "$1")" | sha256sum', 'sh', path],
    {
      encoding: 'utf8',
    },
  );
  return `tar:${data.split(' ')[0]}`;
}

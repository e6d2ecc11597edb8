// Disks for image tests: a sparse file with a real partition table (sfdisk),
// attached to a loop device with its partitions (losetup + partx, which works
// here where udev does not run), and real filesystems (mkfs). Needs root.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { truncateSync, writeFileSync } from 'node:fs';

export interface LoopDisk {
  file: string;
  device: string;
  partition(n: number): string;
  detach(): void;
}

const run = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });

/** A blank disk of `mib` MiB, partitioned by `sfdiskScript` when given. */
export function loopDisk(file: string, mib: number, sfdiskScript?: string): LoopDisk {
  writeFileSync(file, '');
  truncateSync(file, mib * 2 ** 20);
  if (sfdiskScript) run('sfdisk', ['-q', file], sfdiskScript);
  return attachDisk(file);
}

/** A disk image file as a loop device, with the partitions its table holds. */
export function attachDisk(file: string): LoopDisk {
  const device = run('losetup', ['-f', '--show', file]).trim();
  spawnSync('partx', ['-a', device], { stdio: 'ignore' });
  return {
    file,
    device,
    partition(n) {
      const p = `${device}p${n}`;
      // devtmpfs adds the node after partx returns; on a loaded machine that takes a moment.
      for (let i = 0; i < 50 && !existsSync(p); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      if (!existsSync(p)) throw new Error(`${p} did not appear`);
      return p;
    },
    detach() {
      // Partitions a restore wrote are the kernel's too; it keeps them past losetup -d otherwise.
      spawnSync('partx', ['-d', device], { stdio: 'ignore' });
      run('losetup', ['-d', device]);
    },
  };
}

export function mount(device: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  run('mount', [device, dir]);
}

/** Unmounts everything at or below `dir`, deepest first; quiet when nothing is mounted. */
export function unmountBelow(dir: string): void {
  const mounts = run('awk', ['{ print $2 }', '/proc/mounts'])
    .split('\n')
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) run('umount', [m]);
}

export function blkid(device: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of run('blkid', ['-p', '-o', 'export', device]).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

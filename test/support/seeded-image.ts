// An image in the store as dploy's capture leaves it, made without a machine
// or root: the real sfdisk writes a GPT into a disk file and dumps it, the
// real mkfs.ext4 makes each filesystem in a file with its UUID and label and
// blkid reads them back, the real tar | zstd archives a small tree (SHA-256
// taken on the way); dploy's own parsers turn that output into the manifest,
// and the row is recorded as the image job records it. Only the device
// names are the machine's (/dev/vda, as sfdisk --dump /dev/vda prints them).

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import { imageDir } from '../../plugin/images/image-store.js';
import { parseBlkid, parseSfdiskDump } from '../../plugin/images/layout-probe.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, type FilesystemEntry, type ImageManifest } from '../../plugin/images/manifest.js';
import { recordImage } from '../../plugin/store/images.js';

const MiB = 1024 * 1024;
const run = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });

export async function seedImage(db: EntityManager, storeDir: string, name: string, source: { hostId?: number; host: string }): Promise<ImageManifest> {
  const work = mkdtempSync(join(tmpdir(), 'dploy-seed-image-'));
  try {
    const dir = imageDir(storeDir, name);
    mkdirSync(dir, { recursive: true });
    const disk = join(work, 'vda');
    writeFileSync(disk, '');
    execFileSync('truncate', ['-s', `${48 * MiB}`, disk]);
    run('sfdisk', ['-q', disk], 'label: gpt\nsize=24MiB, name=root\nsize=8MiB, name=boot\n');
    const dump = run('sfdisk', ['--dump', disk]).replaceAll(disk, '/dev/vda');
    const filesystems: FilesystemEntry[] = [];
    for (const [number, mountpoint, label, size] of [
      [1, '/', 'root', 24],
      [2, '/boot', 'boot', 8],
    ] as const) {
      const fs = join(work, `fs${number}`);
      run('mkfs.ext4', ['-q', '-F', '-U', randomUUID(), '-L', label, fs, `${size}M`]);
      const id = parseBlkid(run('blkid', ['-p', '-o', 'export', fs]));
      const tree = join(work, `tree${number}`);
      mkdirSync(join(tree, 'etc'), { recursive: true });
      writeFileSync(join(tree, 'etc', 'hostname'), `${source.host}\n`);
      // Random bytes: an archive of a size an operator would recognise as data, not a few hundred bytes of zeros.
      writeFileSync(join(tree, 'data.bin'), randomBytes(64 * 1024));
      const file = `${number}-${label}.tar.zst`;
      execFileSync('sh', ['-c', `tar --create --file=- --numeric-owner -C "$1" . | zstd -q -c -3 > "$2"`, 'sh', tree, join(dir, file)]);
      const bytes = readFileSync(join(dir, file));
      filesystems.push({
        device: `/dev/vda${number}`,
        mountpoint,
        fstype: id.TYPE ?? 'ext4',
        ...(id.UUID ? { uuid: id.UUID } : {}),
        ...(id.LABEL ? { label: id.LABEL } : {}),
        disk: '/dev/vda',
        partition: number,
        sizeBytes: statSync(fs).size,
        usedBytes: 65 * 1024,
        archive: { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), format: 'tar+zstd' },
      });
    }
    const manifest: ImageManifest = {
      format: MANIFEST_FORMAT,
      name,
      createdAt: new Date().toISOString(),
      source: { host: source.host, address: '127.0.0.1' },
      firmware: 'bios',
      bootloader: { kind: 'grub' },
      disks: [parseSfdiskDump(dump, { name: 'vda', path: '/dev/vda', type: 'disk', size: 48 * MiB, pkname: null, 'log-sec': 512 })],
      filesystems,
      swap: [],
      fstab: filesystems.map((f) => `UUID=${f.uuid} ${f.mountpoint} ext4 defaults 0 ${f.mountpoint === '/' ? 1 : 2}`).join('\n') + '\n',
      tools: { tar: run('tar', ['--version']).split('\n')[0]!, zstd: run('zstd', ['--version']).trim() },
    };
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    const sizeBytes = filesystems.reduce((sum, f) => sum + f.archive.bytes, 0);
    await recordImage(db, {
      name,
      kind: 'tar-zstd',
      location: dir,
      ...(source.hostId !== undefined ? { hostId: source.hostId } : {}),
      sizeBytes,
      createdAt: new Date(manifest.createdAt),
    });
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

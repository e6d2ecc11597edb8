// dploy's boot environment, built from Debian packages by the real
// `dploy boot-env build` and booted under qemu (TCG, as the other e2e tests):
// its /init runs with dploy.action=selftest, runs every tool a discovery or a
// restore needs once (so a missing library shows as BROKEN), and powers off.
// The downloads and the build are cached between runs in
// DPLOY_TEST_BOOTENV_CACHE (default /var/cache/dploy-test/boot-env); a build
// whose packages, init and agent scripts have not changed is not redone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runDploy } from '../support/cli.js';
import type { BootEnvManifest } from '../../plugin/bootenv/build.js';

const CACHE = process.env.DPLOY_TEST_BOOTENV_CACHE ?? '/var/cache/dploy-test/boot-env';
const TOOLS = [
  'tar',
  'zstd',
  'sfdisk',
  'sgdisk',
  'mkfs.ext4',
  'mkfs.xfs',
  'mkfs.btrfs',
  'mkfs.vfat',
  'lvm',
  'mdadm',
  'lshw',
  'grub-install',
  'curl',
  'blkid',
  'partx',
  'wipefs',
  'udhcpc',
];

test('dploy boot-env build makes a kernel and initramfs from Debian packages that boot and run every restore tool', { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'dploy-bootenv-'));
  try {
    const tftp = join(CACHE, 'tftp');
    mkdirSync(tftp, { recursive: true });
    const built = await runDploy(['boot-env', 'build', '--arch', 'amd64', '--cache-dir', join(CACHE, 'packages'), '--json'], {
      cwd: work,
      env: { DPLOY_TFTP_ROOT: tftp },
    });
    assert.equal(built.code, 0, built.stderr);
    const manifest = JSON.parse(built.stdout) as BootEnvManifest & { cached: boolean };
    const names = manifest.packages.map((p) => p.name);
    for (const name of [
      'busybox-static',
      'lshw',
      'fdisk',
      'gdisk',
      'e2fsprogs',
      'xfsprogs',
      'dosfstools',
      'lvm2',
      'mdadm',
      'tar',
      'zstd',
      'grub-pc-bin',
      'grub-efi-amd64-bin',
    ])
      assert.ok(names.includes(name), `${name} is in the boot environment`);
    assert.ok(names.includes(`linux-image-${manifest.kernelVersion}`), `the kernel package of ${manifest.kernelVersion} is listed`);
    const { cached: _cached, ...written } = manifest;
    assert.deepEqual(JSON.parse(readFileSync(join(tftp, 'dploy/amd64/manifest.json'), 'utf8')), written, 'manifest.json beside the files');

    const serial = join(work, 'serial.log');
    await promisify(execFile)(
      'qemu-system-x86_64',
      [
        '-accel',
        'tcg',
        '-m',
        '1024',
        '-smp',
        '1',
        '-display',
        'none',
        '-monitor',
        'none',
        '-no-reboot',
        '-serial',
        `file:${serial}`,
        '-kernel',
        join(tftp, 'dploy/amd64/vmlinuz'),
        '-initrd',
        join(tftp, 'dploy/amd64/initrd.img'),
        '-append',
        'console=ttyS0 dploy.action=selftest panic=-1',
      ],
      { timeout: 240_000 },
    );
    const log = readFileSync(serial, 'utf8');
    assert.match(log, new RegExp(`dploy boot environment: amd64 ${manifest.key.slice(0, 12)} kernel ${manifest.kernelVersion.replace(/\./g, '\\.')}`));
    const results = [...log.matchAll(/^dploy selftest: (\S+) (ok|BROKEN): (.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(
      results,
      TOOLS.map((t) => `${t} ok`),
      log
        .split('\n')
        .filter((l) => l.startsWith('dploy'))
        .join('\n'),
    );
    assert.match(log, /^dploy selftest: done$/m);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

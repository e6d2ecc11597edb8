// dploy's boot environment, built from Debian packages by the real
// `dploy boot-env build` and booted under qemu (TCG, as the other e2e tests):
// a selftest runs every tool a discovery or a restore needs once (a missing
// library shows as BROKEN); a discovery posts the VM's real lshw inventory to
// dploy serve through qemu's user network (10.0.2.2 is the host). A restore in
// it, booted over PXE and rebooted to a login prompt, is test/e2e/restore.test.ts. The downloads and the build are
// cached between runs in DPLOY_TEST_BOOTENV_CACHE (default
// /var/cache/dploy-test/boot-env); an unchanged build is not redone.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BootEnvManifest } from '../../plugin/bootenv/build.js';
import { runDploy } from '../support/cli.js';
import { startServe } from '../support/serve.js';

const CACHE = process.env.DPLOY_TEST_BOOTENV_CACHE ?? '/var/cache/dploy-test/boot-env';
const TFTP = join(CACHE, 'tftp');
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
  'dmsetup',
  'lshw',
  'ipmitool',
  'grub-install',
  'curl',
  'blkid',
  'partx',
  'wipefs',
  'udhcpc',
];

let manifest: BootEnvManifest & { cached: boolean };

/** Boots the environment with `append`; resolves with the serial log once the VM powers off or reboots. */
async function bootVm(work: string, append: string, extra: string[] = []): Promise<string> {
  const serial = join(work, `serial-${Date.now()}.log`);
  const args = ['-accel', 'tcg', '-m', '1024', '-smp', '1', '-display', 'none', '-monitor', 'none', '-no-reboot', '-serial', `file:${serial}`];
  args.push(
    '-kernel',
    join(TFTP, 'dploy/amd64/vmlinuz'),
    '-initrd',
    join(TFTP, 'dploy/amd64/initrd.img'),
    '-append',
    `console=ttyS0 panic=-1 dploy.onfail=poweroff ${append}`,
    ...extra,
  );
  await promisify(execFile)('qemu-system-x86_64', args, { timeout: 300_000 });
  return readFileSync(serial, 'utf8');
}

describe("dploy's boot environment", { timeout: 900_000 }, () => {
  before(async () => {
    mkdirSync(TFTP, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'dploy-bootenv-'));
    const built = await runDploy(['boot-env', 'build', '--arch', 'amd64', '--cache-dir', join(CACHE, 'packages'), '--json'], {
      cwd: work,
      env: { DPLOY_TFTP_ROOT: TFTP },
    });
    rmSync(work, { recursive: true, force: true });
    assert.equal(built.code, 0, built.stderr);
    manifest = JSON.parse(built.stdout) as typeof manifest;
  });

  test('is built from Debian packages, listed with their versions beside the kernel and initramfs', () => {
    const names = manifest.packages.map((p) => p.name);
    for (const name of [
      'busybox-static',
      'lshw',
      'ipmitool',
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
    assert.deepEqual(JSON.parse(readFileSync(join(TFTP, 'dploy/amd64/manifest.json'), 'utf8')), written);
  });

  test('boots under qemu and runs every tool a restore needs', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dploy-bootenv-'));
    try {
      const log = await bootVm(work, 'dploy.action=selftest');
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
      assert.match(log, /^dploy selftest: tar ok: tar \(GNU tar\) /m, 'tar is GNU tar, not busybox');
      assert.match(log, /^dploy selftest: done$/m);
      // Every storage and NIC driver loaded: a module whose dependency was cut from the build hid SCSI and NVMe disks.
      assert.match(log, /^dploy: modules loaded$/m, log.match(/^dploy: modules.*$/m)?.[0]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('discovers a machine: the environment posts its real lshw inventory to dploy serve and waits for a task, as mindi did', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dploy-bootenv-discover-'));
    const serve = await startServe({ cwd: work });
    const mac = '52:54:00:d1:5c:01';
    const serial = join(work, 'serial.log');
    const disk = join(work, 'blank.img');
    writeFileSync(disk, '');
    truncateSync(disk, 80 * 2 ** 20);
    const token = (await runDploy(['token', 'enrollment'], { cwd: work })).stdout.trim();
    // No dploy.action: discovery. dploy-wait then polls for ever (nobody sets a task): the VM is stopped once it waits.
    const vm = spawn('qemu-system-x86_64', [
      ...['-accel', 'tcg', '-m', '1024', '-smp', '1', '-display', 'none', '-monitor', 'none', '-no-reboot', '-serial', `file:${serial}`],
      ...['-kernel', join(TFTP, 'dploy/amd64/vmlinuz'), '-initrd', join(TFTP, 'dploy/amd64/initrd.img')],
      ...['-append', `console=ttyS0 panic=-1 dploy.onfail=poweroff dploy.url=http://10.0.2.2:${new URL(serve.url).port} dploy.token=${token}`],
      ...['-netdev', 'user,id=n0', '-device', `virtio-net-pci,netdev=n0,mac=${mac}`, '-drive', `file=${disk},format=raw,if=virtio`],
    ]);
    const shown = async () => {
      const r = await runDploy(['hosts', 'show', mac, '--json'], { cwd: work });
      return r.code === 0 ? (JSON.parse(r.stdout) as { macs: string[]; arch?: string; hardware: unknown }) : undefined;
    };
    try {
      let host: Awaited<ReturnType<typeof shown>>;
      let log = '';
      for (const deadline = Date.now() + 300_000; Date.now() < deadline && vm.exitCode === null;) {
        await new Promise((r) => setTimeout(r, 2000));
        log = readFileSync(serial, 'utf8');
        if (/^dploy-wait: waiting \d+s: /m.test(log) && (host = await shown())) break;
      }
      log = readFileSync(serial, 'utf8');
      assert.ok(host, `the machine never appeared in dploy (qemu exit ${vm.exitCode}):\n${log.slice(-3000)}`);
      assert.match(log, /^dploy: modules loaded$/m);
      assert.match(log, /^dploy-wait: waiting \d+s: no task set for this machine yet$/m, log.slice(-3000));
      assert.deepEqual(host.macs, [mac]);
      assert.equal(host.arch, 'x86_64');
      // What lshw saw inside the VM: qemu's machine and its 80 MiB virtio disk.
      const hardware = JSON.stringify(host.hardware);
      assert.match(hardware, /QEMU/);
      assert.match(hardware, new RegExp(String(80 * 2 ** 20)));
    } finally {
      vm.kill('SIGKILL');
      await serve.stop();
      rmSync(work, { recursive: true, force: true });
    }
  });
});

// A manual check of raid-lvm-disks.ts's pair, outside the suite (two emulated boots, a minute or so each):
// builds or takes the cached pair, boots both disks under SeaBIOS and prints what the machine reports (md0, the
// root and /srv filesystems, the LVs, the files the restore test compares), then boots the second disk alone
// (md0 degraded; GRUB from that disk's boot sector) and prints /proc/mdstat again.
//
//   nice -n 10 node --import tsx test/e2e/support/raid-lvm-disks-check.ts    (as root)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootFromDisk } from './qemu-machine.js';
import { raidLvmDisks } from './raid-lvm-disks.js';
import { freePort, sshWhenUp } from './vm-ssh.js';

const REPORT = [
  'cat /proc/mdstat',
  'findmnt -no SOURCE,FSTYPE,UUID /',
  'findmnt -no SOURCE,FSTYPE,UUID /srv',
  'lvs',
  'hostname',
  'sha256sum /srv/dploy-e2e/*',
  "stat -c '%h %N' /srv/dploy-e2e/*",
  // getfattr is not installed; debugfs (e2fsprogs) reads the xattr from the mounted filesystem.
  "debugfs -R 'ea_list /dploy-e2e/note.txt' /dev/dploy-vg/srv 2>/dev/null",
  'grep -m1 -o "root=/dev/[^ ]*" /boot/grub/grub.cfg; cat /etc/fstab /etc/mdadm/mdadm.conf | grep -v "^#"',
].join('; echo ---; ');

const pair = await raidLvmDisks();
console.log(JSON.stringify(pair, null, 1));
const work = mkdtempSync(join(tmpdir(), 'dploy-raid-lvm-'));
try {
  for (const [name, disks] of [
    ['both disks', pair.disks],
    ['the second disk alone', [pair.disks[1]]],
  ] as const) {
    const port = await freePort();
    const vm = bootFromDisk([...disks], work, port);
    const started = Date.now();
    try {
      const report = await sshWhenUp(port, pair.privateKey, REPORT, 300_000, vm.serialLog);
      console.log(`== ${name}: sshd answered ${Math.round((Date.now() - started) / 1000)} s after qemu started\n${report}`);
    } finally {
      await vm.stop();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

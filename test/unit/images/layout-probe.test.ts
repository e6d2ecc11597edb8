// Reading a machine's layout probe: which mounts are archived, swap
// partitions, blkid's fields, sfdisk's partitions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseMounts,
  parseBlkid,
  parseNics,
  parseSfdiskDump,
  parseSubvolumes,
  sections,
  swapDevices,
  unmountedSubvolumes,
  type Mount,
} from '../../../plugin/images/layout-probe.js';

const mounts: Mount[] = [
  { target: '/', source: '/dev/vda2', fstype: 'ext4', size: 10, used: 5 },
  { target: '/proc', source: 'proc', fstype: 'proc', size: 0, used: 0 },
  { target: '/boot/efi', source: '/dev/vda1', fstype: 'vfat', size: 1, used: 1 },
  { target: '/srv/bind', source: '/dev/vda2', fstype: 'ext4', size: 10, used: 5 },
  { target: '/var/lib/docker', source: '/dev/vda2[/docker]', fstype: 'ext4', size: 10, used: 5 },
  { target: '/mnt/nfs', source: 'server:/export', fstype: 'nfs4', size: 10, used: 5 },
  { target: '/data', source: '/dev/vdb1', fstype: 'zfs', size: 10, used: 5 },
];

test('every block-device filesystem tar restores is archived once, shallowest mountpoint first', () => {
  assert.deepEqual(
    chooseMounts(mounts, undefined, 'root@web01:22').map((m) => m.target),
    ['/', '/boot/efi'],
  );
});

test('mountpoints asked for are taken as asked, and one that is not a block-device filesystem is refused by name', () => {
  assert.deepEqual(
    chooseMounts(mounts, ['/boot/efi'], 'w').map((m) => m.target),
    ['/boot/efi'],
  );
  assert.throws(() => chooseMounts(mounts, ['/mnt/nfs'], 'root@web01:22'), {
    message: 'root@web01:22: /mnt/nfs is not a mounted block-device filesystem there',
  });
  assert.throws(() => chooseMounts(mounts, ['/data'], 'w'), { message: 'w: /data is zfs; dploy archives ext2, ext3, ext4, xfs, vfat, btrfs' });
});

test('the probe output is cut at its markers', () => {
  const s = sections('@@dploy firmware\nuefi\n@@dploy fstab\nUUID=1 / ext4 defaults 0 1\n\n@@dploy zstd\n');
  assert.deepEqual(
    [...s.entries()],
    [
      ['firmware', 'uefi'],
      ['fstab', 'UUID=1 / ext4 defaults 0 1\n'],
      ['zstd', ''],
    ],
  );
});

test('swap partitions come from /proc/swaps; swap files do not', () => {
  const procSwaps =
    'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/vda3                               partition\t1048572\t\t0\t\t-2\n/swapfile                               file\t\t524284\t\t0\t\t-3\n';
  assert.deepEqual(swapDevices(procSwaps), ['/dev/vda3']);
});

test("blkid's export lines and sfdisk's partitions are read", () => {
  assert.deepEqual(parseBlkid('DEVNAME=/dev/vda2\nUUID=0f1e\nLABEL=root fs\nTYPE=ext4\nPART_ENTRY_NUMBER=2\n'), {
    DEVNAME: '/dev/vda2',
    UUID: '0f1e',
    LABEL: 'root fs',
    TYPE: 'ext4',
    PART_ENTRY_NUMBER: '2',
  });
  const disk = parseSfdiskDump(
    'label: dos\nlabel-id: 0x1234\ndevice: /dev/sda\nunit: sectors\n\n/dev/sda1 : start=2048, size=1024, type=83, bootable\n/dev/sda5 : start=4096, size=2048, type=82\n',
    {
      name: 'sda',
      path: '/dev/sda',
      type: 'disk',
      size: 8 * 2 ** 20,
      pkname: null,
      'log-sec': 512,
    },
  );
  assert.equal(disk.label, 'dos');
  assert.deepEqual(disk.partitions, [
    { number: 1, device: '/dev/sda1', startSector: 2048, sizeSectors: 1024 },
    { number: 5, device: '/dev/sda5', startSector: 4096, sizeSectors: 2048 },
  ]);
});

test("the source's NICs: the default route's first, the others by name, MACs in lower case, unusable lines left out", () => {
  const lines = 'eno1 3C:EC:EF:00:00:01\nenp65s0f0 b4:96:91:aa:bb:cc\neno2 3c:ec:ef:00:00:02\nbad/name 00:11:22:33:44:55\neno3\n';
  assert.deepEqual(parseNics(lines, 'default via 10.0.0.1 dev enp65s0f0 proto dhcp metric 100\n'), [
    { name: 'enp65s0f0', mac: 'b4:96:91:aa:bb:cc' },
    { name: 'eno1', mac: '3c:ec:ef:00:00:01' },
    { name: 'eno2', mac: '3c:ec:ef:00:00:02' },
  ]);
  assert.deepEqual(
    parseNics(lines, '').map((n) => n.name),
    ['eno1', 'eno2', 'enp65s0f0'],
  );
});

test("btrfs subvolume mounts are archived each once (Fedora's / is /dev/vda3[/root]); a bind mount of another filesystem is not", () => {
  const fedora: Mount[] = [
    { target: '/', source: '/dev/vda3[/root]', fstype: 'btrfs', size: 10, used: 5, fsroot: '/root' },
    { target: '/boot', source: '/dev/vda2', fstype: 'ext4', size: 1, used: 1, fsroot: '/' },
    { target: '/home', source: '/dev/vda3[/home]', fstype: 'btrfs', size: 10, used: 5, fsroot: '/home' },
    { target: '/srv/home-again', source: '/dev/vda3[/home]', fstype: 'btrfs', size: 10, used: 5, fsroot: '/home' },
    { target: '/var/lib/docker', source: '/dev/vda2[/docker]', fstype: 'ext4', size: 1, used: 1, fsroot: '/docker' },
  ];
  assert.deepEqual(
    chooseMounts(fedora, undefined, 'w').map((m) => m.target),
    ['/', '/boot', '/home'],
  );
});

test("btrfs subvolumes are read from the top level, parents first; snapper's snapshots but the mounted or default one are left out", () => {
  const list = [
    'ID 256 gen 30 top level 5 path <FS_TREE>/@',
    'ID 257 gen 31 top level 256 path <FS_TREE>/@/.snapshots',
    'ID 259 gen 33 top level 257 path <FS_TREE>/@/.snapshots/1/snapshot',
    'ID 260 gen 34 top level 257 path <FS_TREE>/@/.snapshots/2/snapshot',
    'ID 258 gen 32 top level 256 path @/home',
    'ID 262 gen 36 top level 260 path <FS_TREE>/@/.snapshots/2/snapshot/var/lib/machines',
    'ID 261 gen 35 top level 259 path @/.snapshots/1/snapshot/var/lib/machines',
  ].join('\n');
  assert.deepEqual(parseSubvolumes(list, 'ID 259 gen 33 top level 257 path @/.snapshots/1/snapshot\n', ['/@/home']), {
    subvolumes: ['/@', '/@/.snapshots', '/@/home', '/@/.snapshots/1/snapshot', '/@/.snapshots/1/snapshot/var/lib/machines'],
    defaultSubvolume: '/@/.snapshots/1/snapshot',
  });
  assert.deepEqual(parseSubvolumes('', 'ID 5 (FS_TREE)\n', []), { subvolumes: [], defaultSubvolume: '/' });
  // No answer at all: btrfs-progs missing on the machine.
  assert.equal(parseSubvolumes('', '', []), undefined);
});

test('a subvolume no mount shows is archived from where it lies below a mounted one, unless another mount covers it', () => {
  const root: Mount = { target: '/', source: '/dev/vda3[/root]', fstype: 'btrfs', size: 10, used: 5, fsroot: '/root' };
  const home: Mount = { target: '/home', source: '/dev/vda3[/home]', fstype: 'btrfs', size: 10, used: 5, fsroot: '/home' };
  const tmp: Mount = { target: '/var/tmp', source: 'tmpfs', fstype: 'tmpfs', size: 1, used: 0, fsroot: '/' };
  const btrfs = { device: '/dev/vda3', subvolumes: ['/home', '/root', '/snap', '/root/var/lib/machines', '/root/var/tmp/box'] };
  assert.deepEqual(unmountedSubvolumes(btrfs, [root, home], [root, home, tmp]), [
    { ...root, target: '/var/lib/machines', source: '/dev/vda3[/root/var/lib/machines]', fsroot: '/root/var/lib/machines' },
  ]);
});

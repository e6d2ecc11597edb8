// The restore plan dploy-restore reads, made from a manifest: compared whole,
// and the images it must refuse with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimumDiskBytes, restorePlan } from '../../../plugin/images/restore-plan.js';
import type { ImageManifest } from '../../../plugin/images/manifest.js';

// sfdisk --dump of a loop device as sfdisk 2.38.1 printed it here.
const DUMP = `label: gpt
label-id: 79678478-BD6F-1C4C-8279-7C67A2CAF40D
device: /dev/loop0
unit: sectors
first-lba: 2048
last-lba: 131038
sector-size: 512

/dev/loop0p1 : start=        2048, size=       81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=8A56006B-1C37-1646-9F8A-97AB884CE764, name="root"
/dev/loop0p2 : start=       83968, size=       32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=5D6406E7-B5E9-5648-B5D9-0CB68A893DBF, name="boot"
`;

const archive = (file: string) => ({ file, bytes: 10, sha256: 'a'.repeat(64), format: 'tar+zstd' as const });

function manifest(): ImageManifest {
  return {
    format: 'dploy-image/1',
    name: 'web01',
    createdAt: '2026-12-07T06:00:00.000Z',
    source: { host: 'web01', address: '192.0.2.10' },
    firmware: 'uefi',
    bootloader: { kind: 'grub', efiDirectory: '/boot/efi' },
    disks: [
      {
        device: '/dev/loop0',
        sizeBytes: 64 * 2 ** 20,
        sectorSize: 512,
        label: 'gpt',
        sfdiskDump: DUMP,
        partitions: [
          { number: 1, device: '/dev/loop0p1', startSector: 2048, sizeSectors: 81920 },
          { number: 2, device: '/dev/loop0p2', startSector: 83968, sizeSectors: 32768 },
        ],
      },
    ],
    filesystems: [
      {
        device: '/dev/loop0p2',
        mountpoint: '/srv/web data',
        fstype: 'ext2',
        uuid: 'u2',
        label: 'web data',
        disk: '/dev/loop0',
        partition: 2,
        sizeBytes: 1,
        usedBytes: 1,
        archive: archive('2-srv.tar.zst'),
      },
      {
        device: '/dev/loop0p1',
        mountpoint: '/',
        fstype: 'ext4',
        uuid: 'u1',
        disk: '/dev/loop0',
        partition: 1,
        sizeBytes: 1,
        usedBytes: 1,
        archive: archive('1-root.tar.zst'),
      },
    ],
    swap: [],
    fstab: '',
    tools: { tar: 'tar (GNU tar) 1.34', zstd: 'v1.5.4' },
  };
}

test('the plan keeps the table but the lines naming the source disk, and lists filesystems shallow first', () => {
  assert.equal(
    restorePlan(manifest()),
    `# dploy restore plan 1
image web01
firmware uefi
bootloader grub /boot/efi
disk 512 59785728 67108864
table-begin
label: gpt
label-id: 79678478-BD6F-1C4C-8279-7C67A2CAF40D
unit: sectors
first-lba: 2048
sector-size: 512

p1 : start=        2048, size=       81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=8A56006B-1C37-1646-9F8A-97AB884CE764, name="root"
p2 : start=       83968, size=       32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=5D6406E7-B5E9-5648-B5D9-0CB68A893DBF, name="boot"
table-end
fs 1 ext4 u1 1-root.tar.zst ${'a'.repeat(64)} /
fs 2 ext2 u2 2-srv.tar.zst ${'a'.repeat(64)} /srv/web\\040data web data
end
`,
  );
});

test('a GPT disk needs the end of its last partition plus 33 sectors of backup; an MBR disk only the end', () => {
  const m = manifest();
  assert.equal(minimumDiskBytes(m), (83968 + 32768 + 33) * 512);
  m.disks[0]!.label = 'dos';
  assert.equal(minimumDiskBytes(m), (83968 + 32768) * 512);
});

test('a filesystem on LVM or md is refused with its mountpoint and device', () => {
  const m = manifest();
  m.filesystems.push({ device: '/dev/mapper/vg-home', mountpoint: '/home', fstype: 'xfs', sizeBytes: 1, usedBytes: 1, archive: archive('3-home.tar.zst') });
  assert.throws(() => restorePlan(m), {
    code: 'DPLOY_ERR_INVALID_INPUT',
    message: 'image web01: /home (/dev/mapper/vg-home) not on a partition of /dev/loop0 (LVM and md RAID are not restored by this dploy yet)',
  });
});

test('an image of two disks is refused', () => {
  const m = manifest();
  m.disks.push({ ...m.disks[0]!, device: '/dev/loop1' });
  assert.throws(() => restorePlan(m), {
    code: 'DPLOY_ERR_INVALID_INPUT',
    message: 'image web01 spans 2 disks; this dploy restores images of exactly one partitioned disk',
  });
});

test("the source's NICs go into the plan in the manifest's order, after the filesystems; an older image without them adds none", () => {
  const plan = restorePlan({
    ...manifest(),
    nics: [
      { name: 'eth0', mac: '52:54:00:00:00:01' },
      { name: 'eth1', mac: '52:54:00:00:00:02' },
    ],
  });
  assert.match(plan, /\/srv\/web\\040data web data\nnic eth0 52:54:00:00:00:01\nnic eth1 52:54:00:00:00:02\nend\n$/);
  assert.doesNotMatch(restorePlan(manifest()), /^nic /m);
});

test('a btrfs filesystem lists its subvolumes to make (parents first), its default when not the top level, and the subvolume of each archive', () => {
  const m = manifest();
  const [home, root] = m.filesystems;
  Object.assign(root!, { fstype: 'btrfs', subvolume: '/@/.snapshots/1/snapshot' });
  Object.assign(home!, { device: '/dev/loop0p1', fstype: 'btrfs', uuid: 'u1', partition: 1, mountpoint: '/home', subvolume: '/@/home dir', label: undefined });
  m.btrfs = [
    { device: '/dev/loop0p1', subvolumes: ['/@', '/@/.snapshots', '/@/home dir', '/@/.snapshots/1/snapshot'], defaultSubvolume: '/@/.snapshots/1/snapshot' },
  ];
  assert.match(
    restorePlan(m),
    new RegExp(
      [
        `\nfs 1 btrfs u1 1-root.tar.zst a{64} /\nfs 1 btrfs u1 2-srv.tar.zst a{64} /home\n`,
        'btrfs-subvolume 1 /@\nbtrfs-subvolume 1 /@/.snapshots\nbtrfs-subvolume 1 /@/home\\\\040dir\nbtrfs-subvolume 1 /@/.snapshots/1/snapshot\n',
        'btrfs-default 1 /@/.snapshots/1/snapshot\n',
        'btrfs-mount 2-srv.tar.zst /@/home\\\\040dir\nbtrfs-mount 1-root.tar.zst /@/.snapshots/1/snapshot\nend\n$',
      ].join(''),
    ),
  );
  // The top level as default adds no line; an image without subvolumes adds none at all.
  m.btrfs[0]!.defaultSubvolume = '/';
  assert.doesNotMatch(restorePlan(m), /^btrfs-default /m);
  assert.doesNotMatch(restorePlan(manifest()), /^btrfs-/m);
});

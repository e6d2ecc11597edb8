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
    `# dploy restore plan 2
image web01
firmware uefi
bootloader grub /boot/efi
disk 1 512 59785728 67108864 /dev/loop0
table-begin 1
label: gpt
label-id: 79678478-BD6F-1C4C-8279-7C67A2CAF40D
unit: sectors
first-lba: 2048
sector-size: 512

p1 : start=        2048, size=       81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=8A56006B-1C37-1646-9F8A-97AB884CE764, name="root"
p2 : start=       83968, size=       32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=5D6406E7-B5E9-5648-B5D9-0CB68A893DBF, name="boot"
table-end
fs disk1:1 ext4 u1 1-root.tar.zst ${'a'.repeat(64)} /
fs disk1:2 ext2 u2 2-srv.tar.zst ${'a'.repeat(64)} /srv/web\\040data web data
end
`,
  );
});

test('a GPT disk needs the end of its last partition plus 33 sectors of backup; an MBR disk only the end', () => {
  const m = manifest();
  assert.equal(minimumDiskBytes(m.disks[0]!), (83968 + 32768 + 33) * 512);
  m.disks[0]!.label = 'dos';
  assert.equal(minimumDiskBytes(m.disks[0]!), (83968 + 32768) * 512);
});

test('a filesystem on neither a partition, an md array nor an LVM volume is refused with its mountpoint and device', () => {
  const m = manifest();
  m.filesystems.push({ device: '/dev/mapper/luks-1', mountpoint: '/home', fstype: 'xfs', sizeBytes: 1, usedBytes: 1, archive: archive('3-home.tar.zst') });
  assert.throws(() => restorePlan(m), {
    code: 'DPLOY_ERR_INVALID_INPUT',
    message:
      'image web01: /home (/dev/mapper/luks-1) is not on a partition, an md array or an LVM volume (LUKS, multipath or a whole disk: not restored by this dploy)',
  });
});

test('an image taken before dploy described md and LVM (the raw report only) is refused: capture it again', () => {
  const m = manifest();
  m.filesystems.push({
    device: '/dev/mapper/vg-home',
    mountpoint: '/home',
    fstype: 'xfs',
    lv: 'vg/home',
    sizeBytes: 1,
    usedBytes: 1,
    archive: archive('3-home.tar.zst'),
  });
  assert.throws(() => restorePlan(m), {
    message:
      /^image web01: \/home \(\/dev\/mapper\/vg-home\) is on LVM volume vg\/home, whose volume group the image does not describe \(taken by an older dploy: capture it again\)$/,
  });
  m.filesystems[2] = { ...m.filesystems[2]!, device: '/dev/md0', lv: undefined, md: '/dev/md0' };
  assert.throws(() => restorePlan(m), { message: /is on \/dev\/md0, which the image does not describe/ });
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
        `\nfs disk1:1 btrfs u1 1-root.tar.zst a{64} /\nfs disk1:1 btrfs u1 2-srv.tar.zst a{64} /home\n`,
        'btrfs-subvolume disk1:1 /@\nbtrfs-subvolume disk1:1 /@/.snapshots\nbtrfs-subvolume disk1:1 /@/home\\\\040dir\nbtrfs-subvolume disk1:1 /@/.snapshots/1/snapshot\n',
        'btrfs-default disk1:1 /@/.snapshots/1/snapshot\n',
        'btrfs-mount 2-srv.tar.zst /@/home\\\\040dir\nbtrfs-mount 1-root.tar.zst /@/.snapshots/1/snapshot\nend\n$',
      ].join(''),
    ),
  );
  // The top level as default adds no line; an image without subvolumes adds none at all.
  m.btrfs[0]!.defaultSubvolume = '/';
  assert.doesNotMatch(restorePlan(m), /^btrfs-default /m);
  assert.doesNotMatch(restorePlan(manifest()), /^btrfs-/m);
});

/** Debian's "RAID1 + LVM" on two disks: a BIOS boot partition and a RAID member on each, md0 a PV of VG srv-vg. */
function raidLvm(): ImageManifest {
  const m = manifest();
  const table = (disk: string) => `label: gpt
label-id: 0D2A5A3E-0000-4000-8000-00000000000${disk.endsWith('a') ? 1 : 2}
device: ${disk}
unit: sectors
first-lba: 34
last-lba: 2867166
sector-size: 512

${disk}1 : start=        2048, size=        2048, type=21686148-6449-6E6F-744E-656564454649
${disk}2 : start=        4096, size=     2859008, type=A19D880F-05FC-4D3B-A006-743F0F84911E
`;
  const disk = (device: string) => ({
    device,
    sizeBytes: 1400 * 2 ** 20,
    sectorSize: 512,
    label: 'gpt',
    sfdiskDump: table(device),
    partitions: [
      { number: 1, device: `${device}1`, startSector: 2048, sizeSectors: 2048 },
      { number: 2, device: `${device}2`, startSector: 4096, sizeSectors: 2859008 },
    ],
  });
  const lv = (name: string, mountpoint: string, n: number) => ({
    device: `/dev/mapper/srv--vg-${name}`,
    mountpoint,
    fstype: 'ext4',
    uuid: `u${n}`,
    lv: `srv-vg/${name}`,
    sizeBytes: 1,
    usedBytes: 1,
    archive: archive(`${n}-${name}.tar.zst`),
  });
  return {
    ...m,
    firmware: 'bios',
    bootloader: { kind: 'grub' },
    disks: [disk('/dev/vda'), disk('/dev/vdb')],
    filesystems: [lv('root', '/', 1), lv('srv', '/srv', 2)],
    swap: [{ device: '/dev/mapper/srv--vg-swap', uuid: 's1', lv: 'srv-vg/swap' }],
    md: [
      {
        device: '/dev/md0',
        uuid: '2a3b4c5d:6e7f8091:a2b3c4d5:e6f70819',
        name: 'web01:0',
        level: 'raid1',
        metadata: '1.2',
        raidDevices: 2,
        chunkBytes: 0,
        members: [
          { device: '/dev/vda2', role: 0, dataOffsetSectors: 4096, disk: '/dev/vda', partition: 2 },
          { device: '/dev/vdb2', role: 1, dataOffsetSectors: 4096, disk: '/dev/vdb', partition: 2 },
        ],
      },
    ],
    volumeGroups: [
      {
        name: 'srv-vg',
        uuid: 'Vg0000-0000-0000-0000-0000-0000-000000',
        pvs: [{ device: '/dev/md0', uuid: 'Pv0000-0000-0000-0000-0000-0000-000000', md: '/dev/md0' }],
        metadata: 'srv-vg {\n\tid = "Vg0000-0000-0000-0000-0000-0000-000000"\n\tseqno = 4\n}\n',
      },
    ],
  };
}

test('RAID1 + LVM on two disks: both tables, GRUB on both halves, the array with its slots, the PV, the VG metadata, the LVs by name', () => {
  const plan = restorePlan(raidLvm());
  const a = 'a'.repeat(64);
  assert.match(plan, /^disk 1 512 \d+ 1468006400 \/dev\/vda\ntable-begin 1\n[^]*?\ntable-end\ndisk 2 512 \d+ 1468006400 \/dev\/vdb\ntable-begin 2\n/m);
  assert.match(plan, /\np2 : start= {8}4096, size= {5}2859008, type=A19D880F-05FC-4D3B-A006-743F0F84911E\ntable-end\ngrub-disk 1\ngrub-disk 2\n/);
  assert.ok(
    plan.endsWith(
      [
        'md md0 raid1 1.2 2a3b4c5d:6e7f8091:a2b3c4d5:e6f70819 web01:0 0 - 4096 disk1:2 disk2:2',
        'lvm-pv srv-vg Pv0000-0000-0000-0000-0000-0000-000000 md:md0',
        'vg-begin srv-vg',
        'srv-vg {\n\tid = "Vg0000-0000-0000-0000-0000-0000-000000"\n\tseqno = 4\n}',
        'vg-end',
        `fs lv:srv-vg/root ext4 u1 1-root.tar.zst ${a} /`,
        `fs lv:srv-vg/srv ext4 u2 2-srv.tar.zst ${a} /srv`,
        'swap lv:srv-vg/swap s1',
        'end\n',
      ].join('\n'),
    ),
    plan,
  );
});

test('a degraded array keeps its empty slot ("missing"); GRUB goes only on disks that can hold it, at least the first', () => {
  const m = raidLvm();
  m.md![0]!.members.shift();
  assert.match(restorePlan(m), /^md md0 raid1 1\.2 \S+ web01:0 0 - 4096 missing disk2:2$/m);
  // The second disk without a BIOS boot partition: GRUB's core image has nowhere to go there.
  m.disks[1]!.sfdiskDump = m.disks[1]!.sfdiskDump.replace('21686148-6449-6E6F-744E-656564454649', '0FC63DAF-8483-4772-8E79-3D69D8477DE4');
  assert.deepEqual(restorePlan(m).match(/^grub-disk \d+$/gm), ['grub-disk 1']);
  assert.doesNotMatch(restorePlan({ ...m, firmware: 'uefi' }), /^grub-disk/m);
});

test('an md member or a PV on a whole disk (no partition table dploy holds) is refused by name', () => {
  const m = raidLvm();
  m.md![0]!.members[1] = { device: '/dev/vdc', role: 1, dataOffsetSectors: 4096 };
  assert.throws(() => restorePlan(m), {
    message:
      'image web01: member of /dev/md0 (/dev/vdc) is not on a partition, an md array or an LVM volume (LUKS, multipath or a whole disk: not restored by this dploy)',
  });
});

test('a volume group with a thin pool (or RAID, cache LVs) is refused: vgcfgrestore brings back its metadata, not its data', () => {
  const m = raidLvm();
  m.volumeGroups![0]!.metadata = [
    'srv-vg {',
    '\tlogical_volumes {',
    '\t\troot {\n\t\t\tsegment1 {\n\t\t\t\ttype = "striped"\n\t\t\t\tstripe_count = 1\n\t\t\t}\n\t\t}',
    '\t\tpool {\n\t\t\tsegment1 {\n\t\t\t\ttype = "thin-pool"\n\t\t\t}\n\t\t}',
    '\t\tdata {\n\t\t\tsegment1 {\n\t\t\t\ttype = "thin"\n\t\t\t}\n\t\t}',
    '\t}',
    '}',
  ].join('\n');
  assert.throws(() => restorePlan(m), {
    code: 'DPLOY_ERR_INVALID_INPUT',
    message:
      "image web01: volume group srv-vg holds thin-pool, thin segments; dploy restores linear and striped LVs only (vgcfgrestore brings back metadata, not a thin pool's, RAID LV's or cache's own data)",
  });
});

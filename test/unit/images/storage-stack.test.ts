// Reading md RAID and LVM under a machine's filesystems: lsblk's tree (an
// array or a VG has several parents), the walk down to the disks, each
// device's placement, and an array from its probe section. The full path on
// real arrays and volume groups is test/e2e/storage-stack.test.ts (this
// build host's kernel has neither md nor device-mapper).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockTree, parseLvs, parseMd, parsePvs, placement, stackUnder, volumeGroup } from '../../../plugin/images/storage-stack.js';

/** lsblk -J -b -o NAME,PATH,TYPE,SIZE,PKNAME,LOG-SEC of two disks, RAID1 of their second partitions, LVM on it. */
const dev = (name: string, path: string, type: string, children?: unknown[]) => ({ name, path, type, size: 1, pkname: null, 'log-sec': 512, children });
const root = dev('dploy--vg-root', '/dev/mapper/dploy--vg-root', 'lvm');
const swap = dev('dploy--vg-swap_1', '/dev/mapper/dploy--vg-swap_1', 'lvm');
const md0 = () => dev('md0', '/dev/md0', 'raid1', [root, swap]);
const LSBLK = JSON.stringify({
  blockdevices: [
    dev('vda', '/dev/vda', 'disk', [dev('vda1', '/dev/vda1', 'part'), dev('vda2', '/dev/vda2', 'part', [md0()])]),
    dev('vdb', '/dev/vdb', 'disk', [dev('vdb1', '/dev/vdb1', 'part'), dev('vdb2', '/dev/vdb2', 'part', [md0()])]),
    dev('vdc', '/dev/vdc', 'disk', [dev('md1', '/dev/md1', 'raid0')]),
    dev('sr0', '/dev/sr0', 'rom'),
  ],
});
/** lvs/pvs --reportformat json as lvm 2.03 prints them. */
const LVS = `  {
      "report": [
          {
              "lv": [
                  {"vg_name":"dploy-vg", "lv_name":"root", "lv_dm_path":"/dev/mapper/dploy--vg-root"},
                  {"vg_name":"dploy-vg", "lv_name":"swap_1", "lv_dm_path":"/dev/mapper/dploy--vg-swap_1"}
              ]
          }
      ]
      ,
      "log": [
      ]
  }
`;
const PVS = `  {
      "report": [
          {
              "pv": [
                  {"pv_name":"/dev/md0", "pv_uuid":"Pv0000-aaaa", "vg_name":"dploy-vg", "vg_uuid":"Vg0000-bbbb"},
                  {"pv_name":"/dev/sdz1", "pv_uuid":"Pv0000-orphan", "vg_name":"", "vg_uuid":""}
              ]
          }
      ]
  }
`;

test("an array's parents are both member partitions; a volume's its array; the walk reaches both disks through LVM and md", () => {
  const tree = new BlockTree(LSBLK);
  assert.deepEqual(tree.parentsOf('/dev/md0'), ['/dev/vda2', '/dev/vdb2']);
  assert.deepEqual(tree.parentsOf('/dev/mapper/dploy--vg-root'), ['/dev/md0']);
  const lvs = parseLvs(LVS);
  const pvs = parsePvs(PVS);
  assert.deepEqual(pvs, [{ device: '/dev/md0', uuid: 'Pv0000-aaaa', vg: 'dploy-vg', vgUuid: 'Vg0000-bbbb' }]);
  assert.deepEqual(stackUnder(['/dev/mapper/dploy--vg-root', '/dev/mapper/dploy--vg-swap_1'], tree, lvs, pvs), {
    devices: ['/dev/mapper/dploy--vg-root', '/dev/mapper/dploy--vg-swap_1', '/dev/md0', '/dev/vda2', '/dev/vdb2'],
    disks: ['/dev/vda', '/dev/vdb'],
    md: ['/dev/md0'],
    volumeGroups: ['dploy-vg'],
  });
  assert.deepEqual(placement('/dev/mapper/dploy--vg-root', tree, lvs, {}), { lv: 'dploy-vg/root' });
  assert.deepEqual(placement('/dev/md0', tree, lvs, {}), { md: '/dev/md0' });
  assert.deepEqual(placement('/dev/vdb2', tree, lvs, { PART_ENTRY_NUMBER: '2' }), { disk: '/dev/vdb', partition: 2 });
  // An array on a whole disk: no partition table to restore it onto, so no disk and no placement for its member.
  assert.deepEqual(stackUnder(['/dev/md1'], tree, lvs, pvs).disks, []);
  assert.deepEqual(placement('/dev/vdc', tree, lvs, {}), {});
});

test('a machine without LVM prints no report: no volumes; a report that is no JSON is an error naming it', () => {
  assert.deepEqual(parseLvs(''), []);
  assert.deepEqual(parsePvs('  \n'), []);
  assert.throws(() => parseLvs('  WARNING: locking'), { code: 'DPLOY_ERR_IMAGE_CAPTURE', message: /lvs --reportformat json printed no JSON/ });
});

/** The probe's section for one array, as mdadm 4.2 prints --detail --export, plus the lines of the sysfs loop. */
const section = (level: string, extra: string) => `MD_LEVEL=${level}
MD_DEVICES=4
MD_METADATA=1.2
MD_UUID=6a1b0d52:7c3e9f10:2b4d6e8a:9f0c1d2e
MD_DEVNAME=data
MD_NAME=db01:data
MD_DEVICE_dev_sdb1_ROLE=0
MD_DEVICE_dev_sdb1_DEV=/dev/sdb1
${extra}`;

test('an array: UUID, name, level, superblock, chunk, layout as mdadm --layout takes it; members by slot, a spare and an empty slot left out', () => {
  const where = (d: string) => ({ disk: d.replace(/\d+$/, ''), partition: Number(/\d+$/.exec(d)![0]) });
  const md = parseMd(
    '/dev/md127',
    section(
      'raid10',
      ['MD_LAYOUT_NAME=near=2', 'MD_CHUNK_BYTES=524288', 'MD_MEMBER=sdd1 2 264192', 'MD_MEMBER=sdb1 0 264192', 'MD_MEMBER=sde1 none 264192'].join('\n'),
    ),
    where,
  );
  assert.deepEqual(md, {
    device: '/dev/md127',
    uuid: '6a1b0d52:7c3e9f10:2b4d6e8a:9f0c1d2e',
    name: 'db01:data',
    level: 'raid10',
    metadata: '1.2',
    raidDevices: 4,
    chunkBytes: 524288,
    layout: 'n2',
    members: [
      { device: '/dev/sdb1', role: 0, dataOffsetSectors: 264192, disk: '/dev/sdb', partition: 1 },
      { device: '/dev/sdd1', role: 2, dataOffsetSectors: 264192, disk: '/dev/sdd', partition: 1 },
    ],
  });
  // raid5's layout names are mdadm's own; raid1 has none.
  assert.equal(parseMd('/dev/md1', section('raid5', 'MD_LAYOUT_NAME=left-symmetric'), where).layout, 'left-symmetric');
  assert.equal(parseMd('/dev/md1', section('raid1', 'MD_LAYOUT_NAME=near=2'), where).layout, undefined);
  assert.throws(() => parseMd('/dev/md1', 'mdadm: command not found', where), { code: 'DPLOY_ERR_IMAGE_CAPTURE', message: /is mdadm installed there\?/ });
});

test("a volume group: its PVs placed, vgcfgbackup's text kept whole; no metadata is an error naming the group", () => {
  const metadata = 'contents = "Text Format Volume Group"\nversion = 1\n\ndploy-vg {\n\tid = "Vg0000-bbbb"\n\tseqno = 5\n}\n';
  const vg = volumeGroup('dploy-vg', metadata, parsePvs(PVS), () => ({ md: '/dev/md0' }));
  assert.deepEqual(vg, { name: 'dploy-vg', uuid: 'Vg0000-bbbb', pvs: [{ device: '/dev/md0', uuid: 'Pv0000-aaaa', md: '/dev/md0' }], metadata });
  assert.throws(() => volumeGroup('dploy-vg', '', parsePvs(PVS), () => ({})), { message: /vgcfgbackup printed no metadata for volume group dploy-vg/ });
});

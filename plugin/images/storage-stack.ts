// What lies between a filesystem and the disks on the source: md RAID arrays
// and LVM volume groups, read from lsblk's tree, `lvs`/`pvs` and a second
// probe (mdadm, md's sysfs, vgcfgbackup). Pure functions; capture.ts runs the
// commands. What a restore needs is kept, not more: an array's UUID, name,
// level, metadata version, chunk, layout and each member's slot and data
// offset (so the array has the source's size), a volume group's metadata as
// vgcfgbackup writes it (every LV's UUID and segments: vgcfgrestore puts them
// back as they were, as MondoRescue and ReaR restore LVM).

import { DployError } from '../errors.js';
import { MARK, shellWord, type BlockDevice } from './layout-probe.js';
import type { MdEntry, Placement, VolumeGroupEntry } from './manifest.js';

/** lsblk's tree as a child → parents map (an md array or a VG spanning two disks has two parents) and every device by path. */
export class BlockTree {
  readonly byPath = new Map<string, BlockDevice>();
  readonly parents = new Map<string, Set<string>>();

  constructor(lsblkJson: string) {
    const walk = (list: BlockDevice[], parent?: string) => {
      for (const d of list) {
        this.byPath.set(d.path, d);
        const set = this.parents.get(d.path) ?? new Set<string>();
        if (parent) set.add(parent);
        this.parents.set(d.path, set);
        if (d.children) walk(d.children, d.path);
      }
    };
    walk((JSON.parse(lsblkJson) as { blockdevices: BlockDevice[] }).blockdevices);
  }

  parentsOf(path: string): string[] {
    return [...(this.parents.get(path) ?? [])].sort();
  }
}

export interface LogicalVolume {
  vg: string;
  lv: string;
  /** /dev/mapper/VG-LV, as findmnt names a mounted LV. */
  dmPath: string;
}

export interface PhysicalVolume {
  device: string;
  uuid: string;
  vg: string;
  vgUuid: string;
}

/** The rows of an LVM JSON report (`lvs|pvs --reportformat json`): {"report":[{"lv":[…]}]}; empty where LVM is absent. */
function reportRows(json: string, kind: 'lv' | 'pv'): Record<string, string>[] {
  if (!json.trim()) return [];
  try {
    const report = (JSON.parse(json) as { report?: Array<Record<string, Record<string, string>[]>> }).report ?? [];
    return report.flatMap((r) => r[kind] ?? []);
  } catch {
    throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `the source's ${kind}s --reportformat json printed no JSON: ${json.slice(0, 200)}`);
  }
}

export function parseLvs(json: string): LogicalVolume[] {
  return reportRows(json, 'lv').map((r) => ({ vg: r.vg_name!, lv: r.lv_name!, dmPath: r.lv_dm_path! }));
}

export function parsePvs(json: string): PhysicalVolume[] {
  return reportRows(json, 'pv')
    .filter((r) => r.vg_name)
    .map((r) => ({ device: r.pv_name!, uuid: r.pv_uuid!, vg: r.vg_name!, vgUuid: r.vg_uuid! }));
}

/** What the layout holds under the archived devices: the arrays and volume groups to describe, the disks to dump. */
export interface StackNeeds {
  /** Every device the walk passed (md members, PVs): blkid places each. */
  devices: string[];
  disks: string[];
  md: string[];
  volumeGroups: string[];
}

/**
 * Walks down from each device (filesystem or swap) to its disks: an LV to every PV of its volume group (vgcfgrestore
 * needs them all), an md array to its members, a partition to its disk. A device of another kind (LUKS, multipath,
 * a PV or md member on a whole disk) ends the walk: that device has no placement and the restore refuses it by name.
 */
export function stackUnder(devices: string[], tree: BlockTree, lvs: LogicalVolume[], pvs: PhysicalVolume[]): StackNeeds {
  const needs = { disks: new Set<string>(), md: new Set<string>(), volumeGroups: new Set<string>() };
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const d = tree.byPath.get(path);
    if (!d) return;
    if (d.type === 'part') {
      // Its one parent: a disk (or a loop device). A partitioned md array (md0p1) is not restored: no placement.
      tree
        .parentsOf(path)
        .filter((p) => isDisk(tree, p))
        .forEach((p) => needs.disks.add(p));
    } else if (d.type.startsWith('raid')) {
      needs.md.add(path);
      tree.parentsOf(path).forEach(visit);
    } else if (d.type === 'lvm') {
      const lv = lvs.find((l) => l.dmPath === path);
      if (!lv) return;
      needs.volumeGroups.add(lv.vg);
      pvs.filter((p) => p.vg === lv.vg).forEach((p) => visit(p.device));
    }
  };
  devices.forEach(visit);
  return {
    devices: [...seen].filter((p) => tree.byPath.has(p)).sort(),
    disks: [...needs.disks].sort(),
    md: [...needs.md].sort(),
    volumeGroups: [...needs.volumeGroups].sort(),
  };
}

function isDisk(tree: BlockTree, path: string): boolean {
  return ['disk', 'loop'].includes(tree.byPath.get(path)?.type ?? '');
}

/** Where `device` lives: a partition of a disk (blkid's PART_ENTRY_NUMBER), an md array, an LV; {} for anything else. */
export function placement(device: string, tree: BlockTree, lvs: LogicalVolume[], blkid: Record<string, string>): Placement {
  const d = tree.byPath.get(device);
  if (!d) return {};
  if (d.type === 'part') {
    const disk = tree.parentsOf(device).find((p) => isDisk(tree, p));
    const number = Number(blkid.PART_ENTRY_NUMBER);
    return disk && number > 0 ? { disk, partition: number } : {};
  }
  if (d.type.startsWith('raid')) return { md: device };
  const lv = d.type === 'lvm' ? lvs.find((l) => l.dmPath === device) : undefined;
  return lv ? { lv: `${lv.vg}/${lv.lv}` } : {};
}

/** Second probe: each array's mdadm --detail (export and plain, for the layout's name) and sysfs; each VG's metadata. */
export function stackProbe(needs: Pick<StackNeeds, 'md' | 'volumeGroups'>): string[] {
  return [
    ...needs.md.map((md) => {
      const sys = `/sys/block/${md.replace(/^\/dev\//, '')}/md`;
      return [
        `echo '${MARK}md ${md}'`,
        `mdadm --detail --export ${shellWord(md)}`,
        `mdadm --detail ${shellWord(md)} | sed -n 's/^ *Layout : */MD_LAYOUT_NAME=/p'`,
        `echo "MD_CHUNK_BYTES=$(cat ${sys}/chunk_size)"`,
        `for m in ${sys}/dev-*; do echo "MD_MEMBER=\${m##*/dev-} $(cat "$m/slot") $(cat "$m/offset")"; done; true`,
      ].join('; ');
    }),
    // vgcfgbackup writes a file (it renames a temporary one into place), never stdout: a few KiB in /tmp, removed.
    ...needs.volumeGroups.map((vg) => `echo '${MARK}vg ${vg}'; f=$(mktemp) && vgcfgbackup -q -f "$f" ${shellWord(vg)} >/dev/null && cat "$f"; rm -f "$f"`),
  ];
}

/** mdadm --detail's "Layout : near=2" as mdadm --layout takes it (n2); raid5's names are taken as they are. */
function layoutWord(name: string): string {
  const m = /^(near|far|offset)=(\d+)$/.exec(name.trim());
  return m ? `${m[1]![0]}${m[2]}` : name.trim();
}

/** One array from its probe section; `where` places each member (a partition, as a filesystem's device is placed). */
export function parseMd(device: string, text: string, where: (member: string) => Placement): MdEntry {
  const kv = new Map<string, string>();
  const members: MdEntry['members'] = [];
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const [key, value] = [line.slice(0, eq), line.slice(eq + 1).trim()];
    if (key === 'MD_MEMBER') {
      const [name, slot, offset] = value.split(/\s+/);
      // "none": a spare or a member being removed; the restore makes the array with its active slots.
      if (name && /^\d+$/.test(slot ?? '')) {
        const member = `/dev/${name}`;
        const { disk, partition } = where(member);
        members.push({ device: member, role: Number(slot), dataOffsetSectors: Number(offset), ...(disk && partition ? { disk, partition } : {}) });
      }
    } else kv.set(key, value);
  }
  const uuid = kv.get('MD_UUID');
  const level = kv.get('MD_LEVEL');
  const raidDevices = Number(kv.get('MD_DEVICES'));
  if (!uuid || !level || !(raidDevices > 0))
    throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `mdadm --detail --export ${device} printed no UUID, level or device count: is mdadm installed there?`);
  const layout = kv.get('MD_LAYOUT_NAME');
  return {
    device,
    uuid,
    ...(kv.get('MD_NAME') ? { name: kv.get('MD_NAME')! } : {}),
    level,
    metadata: kv.get('MD_METADATA') ?? '1.2',
    raidDevices,
    chunkBytes: Number(kv.get('MD_CHUNK_BYTES') ?? 0) || 0,
    ...(layout && level !== 'raid1' ? { layout: layoutWord(layout) } : {}),
    members: members.sort((a, b) => a.role - b.role),
  };
}

export function volumeGroup(name: string, metadata: string, pvs: PhysicalVolume[], where: (pv: string) => Placement): VolumeGroupEntry {
  const mine = pvs.filter((p) => p.vg === name);
  if (!/^\s*id = "/m.test(metadata) || mine.length === 0)
    throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `vgcfgbackup printed no metadata for volume group ${name}: is lvm2 installed there?`);
  return { name, uuid: mine[0]!.vgUuid, pvs: mine.map((p) => ({ device: p.device, uuid: p.uuid, ...where(p.device) })), metadata };
}

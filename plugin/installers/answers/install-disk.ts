// Which disk(s) the system goes on, chosen from the machine's real inventory
// by the profile's policy (docs/profiles.md "Install disk"):
//   first    the first candidate in inventory order (lshw lists by bus),
//   smallest / largest  by size (disks of unknown size are not candidates),
//   serial   the disk(s) whose serial the profile names.
// Candidates: non-removable, not optical, with a /dev name. RAID1 takes two
// disks: the policy's first two. Too few candidates fails the job before boot.

import { DployError } from '../../errors.js';
import type { Disk, Inventory } from '../../model/inventory.js';
import type { Profile } from '../profiles/profile-schema.js';

export type InstallDisk = Disk & { logicalName: string };

function candidates(inventory: Inventory): InstallDisk[] {
  return inventory.disks.filter((d): d is InstallDisk => !d.removable && d.media !== 'cdrom' && !!d.logicalName && /^\/dev\/[a-z0-9/]+$/.test(d.logicalName));
}

function ordered(usable: InstallDisk[], p: Pick<Profile, 'diskPolicy' | 'diskSerials'>): InstallDisk[] {
  switch (p.diskPolicy) {
    case 'first':
      return usable;
    case 'serial':
      return p.diskSerials.map((s) => usable.find((d) => d.serial === s)).filter((d): d is InstallDisk => !!d);
    case 'smallest':
      return usable.filter((d) => d.sizeBytes !== undefined).sort((a, b) => a.sizeBytes! - b.sizeBytes!);
    case 'largest':
      return usable.filter((d) => d.sizeBytes !== undefined).sort((a, b) => b.sizeBytes! - a.sizeBytes!);
  }
}

export function installDisks(
  inventory: Inventory | undefined,
  p: Pick<Profile, 'diskPolicy' | 'diskSerials' | 'partitioning'>,
  hostName: string,
): InstallDisk[] {
  if (!inventory)
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `${hostName} has no inventory yet: discover it first (dploy task set ${hostName} discover) so dploy can choose its install disk`,
    );
  const usable = candidates(inventory);
  const need = p.partitioning.scheme === 'raid1' ? 2 : 1;
  const chosen = ordered(usable, p).slice(0, need);
  if (chosen.length < need) {
    const listed =
      inventory.disks
        .map((d) => `${d.logicalName ?? '?'}${d.serial ? ` serial ${d.serial}` : ''}${d.removable ? ' removable' : ''}${d.media === 'cdrom' ? ' cdrom' : ''}`)
        .join(', ') || 'none';
    const wanted =
      p.diskPolicy === 'serial'
        ? `disk(s) with serial ${p.diskSerials.join(', ')}`
        : `${need} non-removable disk(s)${p.diskPolicy === 'first' ? '' : ' of known size'}`;
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `${hostName}: diskPolicy ${p.diskPolicy} (${p.partitioning.scheme}) needs ${wanted}; its inventory lists ${listed}; the install cannot start`,
    );
  }
  return chosen;
}

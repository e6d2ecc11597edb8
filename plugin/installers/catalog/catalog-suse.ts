// AutoYaST releases: openSUSE Leap 15, SLES 15, and SLES 11 on IA-64 (elilo).
// linuxrc reads boot/<arch>/loader/linux and initrd on x86_64 media;
// other architectures keep them in boot/<arch>/.

import type { Architecture } from '../../model/inventory.js';
import { linuxcoeBootFiles, type CatalogEntry } from './catalog-entry.js';

function tree(arch: Architecture): Pick<CatalogEntry, 'treeKernel' | 'treeInitrd'> {
  return {
    treeKernel: [`boot/${arch}/loader/linux`, `boot/${arch}/linux`],
    treeInitrd: [`boot/${arch}/loader/initrd`, `boot/${arch}/initrd`],
  };
}

function entry(distro: string, release: string, arch: Architecture, extra: Partial<CatalogEntry>): CatalogEntry {
  return {
    distro,
    release,
    arch,
    family: 'suse',
    answerKind: 'autoyast',
    ...linuxcoeBootFiles(distro, release, arch),
    ...tree(arch),
    cryptFormats: ['y', '6', '5'],
    ...extra,
  };
}

export const SUSE_ENTRIES: CatalogEntry[] = [
  ...['15.5', '15.6'].flatMap((release) =>
    (['x86_64', 'aarch64'] as const).map((arch) =>
      entry('opensuse-leap', release, arch, { upstream: `https://download.opensuse.org/distribution/leap/${release}/repo/oss/` }),
    ),
  ),
  // SLES media come from the customer's ISO (no public tree).
  ...['15-SP6', '15-SP7'].flatMap((release) => (['x86_64', 'aarch64'] as const).map((arch) => entry('sles', release, arch, {}))),
  // The last SLES for Itanium: glibc 2.11 knows $6$/$5$ but not yescrypt.
  entry('sles', '11-SP4', 'ia64', { legacy: true, cryptFormats: ['6', '5'] }),
];

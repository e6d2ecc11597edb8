// Kickstart releases: Fedora, RHEL and its rebuilds, CentOS Stream, and RHEL 5
// on IA-64 (booted with elilo). Install trees keep the PXE kernel and initrd
// in images/pxeboot/ (the .treeinfo [images-<arch>] kernel/initrd entries).

import type { Architecture } from '../../model/inventory.js';
import { linuxcoeBootFiles, type CatalogEntry } from './catalog-entry.js';

const PXEBOOT = { treeKernel: ['images/pxeboot/vmlinuz'], treeInitrd: ['images/pxeboot/initrd.img'] };
const BOTH: Architecture[] = ['x86_64', 'aarch64'];

interface Line {
  distro: string;
  releases: string[];
  arches: Architecture[];
  upstream?: (release: string, arch: Architecture) => string;
  /** libxcrypt with yescrypt arrived in RHEL 9 / Fedora 35. */
  yescrypt: (release: string) => boolean;
}

const LINES: Line[] = [
  {
    distro: 'fedora',
    releases: ['41', '42'],
    arches: BOTH,
    yescrypt: () => true,
    upstream: (r, a) => `https://dl.fedoraproject.org/pub/fedora/linux/releases/${r}/Everything/${a}/os/`,
  },
  // RHEL needs a subscription: its tree comes from an imported ISO.
  { distro: 'rhel', releases: ['8', '9', '10'], arches: BOTH, yescrypt: (r) => r !== '8' },
  {
    distro: 'rocky',
    releases: ['8', '9', '10'],
    arches: BOTH,
    yescrypt: (r) => r !== '8',
    upstream: (r, a) => `https://download.rockylinux.org/pub/rocky/${r}/BaseOS/${a}/os/`,
  },
  {
    distro: 'almalinux',
    releases: ['8', '9', '10'],
    arches: BOTH,
    yescrypt: (r) => r !== '8',
    upstream: (r, a) => `https://repo.almalinux.org/almalinux/${r}/BaseOS/${a}/os/`,
  },
  {
    distro: 'centos-stream',
    releases: ['9', '10'],
    arches: BOTH,
    yescrypt: () => true,
    upstream: (r, a) => `https://mirror.stream.centos.org/${r}-stream/BaseOS/${a}/os/`,
  },
];

export const REDHAT_ENTRIES: CatalogEntry[] = [
  ...LINES.flatMap((line) =>
    line.releases.flatMap((release) =>
      line.arches.map((arch): CatalogEntry => ({
        distro: line.distro,
        release,
        arch,
        family: 'redhat',
        answerKind: 'kickstart',
        ...linuxcoeBootFiles(line.distro, release, arch),
        ...PXEBOOT,
        ...(line.upstream ? { upstream: line.upstream(release, arch) } : {}),
        cryptFormats: line.yescrypt(release) ? ['y', '6', '5'] : ['6', '5'],
      })),
    ),
  ),
  // The last RHEL for Itanium; its kernel has no dracut, so ks=/ksdevice= instead of inst.*.
  {
    distro: 'rhel',
    release: '5',
    arch: 'ia64',
    family: 'redhat',
    answerKind: 'kickstart',
    legacy: true,
    ...linuxcoeBootFiles('rhel', '5', 'ia64'),
    ...PXEBOOT,
    cryptFormats: ['6', '5'],
  },
];

// Debian-installer (preseed) and Ubuntu releases. Debian and the older Ubuntu
// netboot images keep the layout of their netboot tarballs in the TFTP root
// (debian-installer/amd64/linux); Ubuntu 22.04 and later install with
// subiquity (autoinstall) from the live-server ISO's casper/ kernel.

import type { Architecture } from '../../model/inventory.js';
import { linuxcoeBootFiles, type CatalogEntry } from './catalog-entry.js';

const DEB_ARCH: Partial<Record<Architecture, string>> = { x86_64: 'amd64', aarch64: 'arm64', i386: 'i386' };

/** Netinst ISOs: install.amd/, install.386/, install.a64/; netboot tarballs and mini.iso: <dir>/<arch>/. */
const ISO_DIR: Partial<Record<Architecture, string>> = { x86_64: 'install.amd', aarch64: 'install.a64', i386: 'install.386' };

function installerEntry(distro: 'debian' | 'ubuntu', release: string, arch: Architecture, upstream: string): CatalogEntry {
  // Ubuntu 18.04's glibc 2.27 predates yescrypt.
  const cryptFormats: CatalogEntry['cryptFormats'] = release === '18.04' ? ['6', '5'] : ['y', '6', '5'];
  const dir = `${distro}-installer/${DEB_ARCH[arch]!}`;
  return {
    distro,
    release,
    arch,
    family: 'debian',
    answerKind: 'preseed',
    kernel: `${dir}/linux`,
    initrd: `${dir}/initrd.gz`,
    treeKernel: [`${dir}/linux`, `${ISO_DIR[arch]!}/vmlinuz`, 'linux'],
    treeInitrd: [`${dir}/initrd.gz`, `${ISO_DIR[arch]!}/initrd.gz`, 'initrd.gz'],
    upstream,
    cryptFormats,
  };
}

const UBUNTU_ISO: Record<string, string> = { '22.04': '22.04.5', '24.04': '24.04.3' };

function autoinstallEntry(release: string, arch: Architecture): CatalogEntry {
  const point = UBUNTU_ISO[release]!;
  const upstream =
    arch === 'x86_64'
      ? `https://releases.ubuntu.com/${release}/ubuntu-${point}-live-server-amd64.iso`
      : `https://cdimage.ubuntu.com/releases/${release}/release/ubuntu-${point}-live-server-arm64.iso`;
  return {
    distro: 'ubuntu',
    release,
    arch,
    family: 'debian',
    answerKind: 'autoinstall',
    ...linuxcoeBootFiles('ubuntu', release, arch),
    treeKernel: ['casper/vmlinuz'],
    treeInitrd: ['casper/initrd', 'casper/initrd.gz'],
    upstream,
    cryptFormats: ['y', '6', '5'],
  };
}

const DEBIAN: Array<[string, Architecture[]]> = [
  ['11', ['x86_64', 'aarch64', 'i386']],
  ['12', ['x86_64', 'aarch64', 'i386']],
  ['13', ['x86_64', 'aarch64']],
];
// 18.04 still built i386 netboot images; 20.04's "legacy" d-i images are the last preseed Ubuntu.
const UBUNTU_PRESEED: Array<[string, Architecture[]]> = [
  ['18.04', ['x86_64', 'aarch64', 'i386']],
  ['20.04', ['x86_64', 'aarch64']],
];

export const DEBIAN_ENTRIES: CatalogEntry[] = [
  ...DEBIAN.flatMap(([release, arches]) => arches.map((arch) => installerEntry('debian', release, arch, 'http://deb.debian.org/debian'))),
  ...UBUNTU_PRESEED.flatMap(([release, arches]) =>
    arches.map((arch) =>
      installerEntry('ubuntu', release, arch, arch === 'aarch64' ? 'http://ports.ubuntu.com/ubuntu-ports' : 'http://archive.ubuntu.com/ubuntu'),
    ),
  ),
  ...['22.04', '24.04'].flatMap((release) => (['x86_64', 'aarch64'] as const).map((arch) => autoinstallEntry(release, arch))),
];

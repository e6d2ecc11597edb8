// One row of the distribution catalog (the LinuxCOE role): what a release
// installs from, where its installer kernel sits, which answer file it reads
// and how its kernel is told to fetch one.

import type { Architecture } from '../../model/inventory.js';

export type AnswerKind = 'kickstart' | 'preseed' | 'autoyast' | 'autoinstall';

/** Boot-template family (plugin/boot/template-lookup.ts keys on it). */
export type OsFamily = 'redhat' | 'suse' | 'debian';

/** crypt(3) formats a release's libc/libxcrypt verifies: $6$ SHA-512, $5$ SHA-256, $y$ yescrypt. */
export type CryptFormat = '6' | '5' | 'y';

export interface CatalogEntry {
  /** debian, ubuntu, fedora, rhel, rocky, almalinux, centos-stream, opensuse-leap, sles */
  distro: string;
  release: string;
  arch: Architecture;
  family: OsFamily;
  answerKind: AnswerKind;
  /**
   * Installer kernel and initrd as paths in the TFTP root when no media was
   * imported (Debian and old Ubuntu: where their netboot tarball puts them).
   * Imported media boot from importedBootFiles() instead.
   */
  kernel: string;
  initrd: string;
  /** Where kernel and initrd sit inside the install tree or ISO, first match wins. */
  treeKernel: string[];
  treeInitrd: string[];
  /** Public install tree (or, for autoinstall, the live-server ISO); undefined: import the media first. */
  upstream?: string;
  cryptFormats: CryptFormat[];
  /** Releases from before systemd and dracut (RHEL 5, SLES 11): older installer options. */
  legacy?: boolean;
}

/** The directory a release's tree and boot files get in the mirror and the TFTP root. */
export function mediaKey(e: Pick<CatalogEntry, 'distro' | 'release' | 'arch'>): string {
  return `${e.distro}-${e.release}-${e.arch}`;
}

/** A release's own directory in the TFTP root: linuxcoe/<distro>-<release>-<arch>. */
function linuxcoeDir(e: Pick<CatalogEntry, 'distro' | 'release' | 'arch'>): string {
  return `linuxcoe/${mediaKey(e)}`;
}

/** Boot files in the TFTP root for releases that have no historical netboot layout. */
export function linuxcoeBootFiles(distro: string, release: string, arch: Architecture): Pick<CatalogEntry, 'kernel' | 'initrd'> {
  const dir = linuxcoeDir({ distro, release, arch });
  return { kernel: `${dir}/vmlinuz`, initrd: `${dir}/initrd.img` };
}

/**
 * Where dploy media import puts a release's boot files: a directory of its
 * own. Debian 11, 12 and 13 all call theirs debian-installer/amd64/linux in
 * the netboot layout; sharing that path, importing one release would swap
 * the kernel under another's installs.
 */
export function importedBootFiles(e: Pick<CatalogEntry, 'distro' | 'release' | 'arch' | 'kernel' | 'initrd'>): Pick<CatalogEntry, 'kernel' | 'initrd'> {
  const dir = linuxcoeDir(e);
  const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  return { kernel: `${dir}/${base(e.kernel)}`, initrd: `${dir}/${base(e.initrd)}` };
}

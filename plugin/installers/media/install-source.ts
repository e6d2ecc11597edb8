// Where the installer takes its packages from, in this order: the profile's
// own mirror, the tree imported into dploy's mirror directory (dploy media import),
// the release's public tree. RHEL and SLES have no public tree: their media
// must be imported first, and saying so beats a hung installer.

import { DployError } from '../../errors.js';
import { mediaKey, type CatalogEntry } from '../catalog/catalog-entry.js';
import type { Profile } from '../profiles/profile-schema.js';

export interface MirrorView {
  /** e.g. http://192.0.2.10:8080/mirror (the mirror directory served over HTTP). */
  baseUrl: string;
  /** Imported media by key (distro-release-arch). */
  has(key: string): boolean;
}

export function installSourceUrl(entry: CatalogEntry, profile: Pick<Profile, 'mirror'>, mirror?: MirrorView): string {
  if (profile.mirror) return `http://${profile.mirror.host}${profile.mirror.directory}`;
  const key = mediaKey(entry);
  if (mirror?.has(key)) {
    // Subiquity boots from the ISO itself (casper fetches url= into RAM).
    return entry.answerKind === 'autoinstall' ? `${mirror.baseUrl}/${key}.iso` : `${mirror.baseUrl}/${key}/`;
  }
  if (entry.upstream) return entry.upstream;
  throw new DployError(
    'DPLOY_ERR_INVALID_INPUT',
    `${entry.distro} ${entry.release} ${entry.arch} has no public install tree: import its media first (dploy media import <file.iso>) or set mirror: in the profile`,
  );
}

/** The package archive for Debian-family answer files (d-i mirror questions, subiquity apt). */
export function archiveUrl(entry: CatalogEntry, profile: Pick<Profile, 'mirror'>): string {
  if (profile.mirror) return `http://${profile.mirror.host}${profile.mirror.directory}`;
  if (entry.answerKind === 'autoinstall') return entry.arch === 'x86_64' ? 'http://archive.ubuntu.com/ubuntu' : 'http://ports.ubuntu.com/ubuntu-ports';
  return entry.upstream ?? '';
}

// The distribution catalog: every release dploy installs, as data. A profile
// names one entry (distro, release, arch); the boot entry and answer file are
// built from it.

import { DployError } from '../../errors.js';
import type { CatalogEntry } from './catalog-entry.js';
import { DEBIAN_ENTRIES } from './catalog-debian.js';
import { REDHAT_ENTRIES } from './catalog-redhat.js';
import { SUSE_ENTRIES } from './catalog-suse.js';

export type { AnswerKind, CatalogEntry, CryptFormat, OsFamily } from './catalog-entry.js';

export const CATALOG: readonly CatalogEntry[] = Object.freeze([...REDHAT_ENTRIES, ...SUSE_ENTRIES, ...DEBIAN_ENTRIES]);

export function findCatalogEntry(distro: string, release: string, arch: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.distro === distro && e.release === release && e.arch === arch);
}

/** What the catalog knows, for error messages: "debian 12 (x86_64, aarch64, i386)". */
export function describeCatalog(distro?: string): string {
  const rows = CATALOG.filter((e) => distro === undefined || e.distro === distro);
  const releases = [...new Set(rows.map((e) => `${e.distro} ${e.release}`))];
  return releases
    .map(
      (name) =>
        `${name} (${rows
          .filter((e) => `${e.distro} ${e.release}` === name)
          .map((e) => e.arch)
          .join(', ')})`,
    )
    .join('; ');
}

export function catalogEntry(distro: string, release: string, arch: string): CatalogEntry {
  const entry = findCatalogEntry(distro, release, arch);
  if (entry) return entry;
  const known = CATALOG.some((e) => e.distro === distro);
  throw new DployError(
    'DPLOY_ERR_INVALID_INPUT',
    known
      ? `no catalog entry for ${distro} ${release} ${arch}; known: ${describeCatalog(distro)}`
      : `unknown distro "${distro}"; the catalog has ${[...new Set(CATALOG.map((e) => e.distro))].join(', ')}`,
  );
}

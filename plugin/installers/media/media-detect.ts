// Which release an install medium is, read from the files its vendor puts on
// it: .treeinfo (RHEL family, productmd INI), .disk/info (Debian and Ubuntu,
// one line), media.1/products or content (SUSE). Returns undefined when the
// medium says nothing dploy can map; the caller then asks for the flags.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MediaIdentity {
  distro: string;
  /** As the medium spells it (9.4, 12.5.0, 15-SP6); the catalog match narrows it. */
  version: string;
  arch: string;
}

const RHEL_FAMILY: Array<[RegExp, string]> = [
  [/^red hat enterprise linux/i, 'rhel'],
  [/^rocky/i, 'rocky'],
  [/^almalinux/i, 'almalinux'],
  [/^centos stream/i, 'centos-stream'],
  [/^fedora/i, 'fedora'],
];

const ARCH: Record<string, string> = {
  amd64: 'x86_64',
  x86_64: 'x86_64',
  arm64: 'aarch64',
  aarch64: 'aarch64',
  i386: 'i386',
  i586: 'i386',
  i686: 'i386',
  ia64: 'ia64',
};

async function text(path: string): Promise<string | undefined> {
  return readFile(path, 'latin1').catch(() => undefined);
}

/** productmd .treeinfo: [general] family/version/arch (old) or [release] name/version + [tree] arch (1.x). */
export function parseTreeinfo(ini: string): MediaIdentity | undefined {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  for (const line of ini.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) sections.set(header[1]!.trim(), (current = sections.get(header[1]!.trim()) ?? new Map()));
    const pair = /^\s*([\w.]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (pair && !header) current.set(pair[1]!, pair[2]!);
  }
  const release = sections.get('release'),
    general = sections.get('general'),
    tree = sections.get('tree');
  const name = release?.get('name') ?? general?.get('family');
  const version = release?.get('version') ?? general?.get('version');
  const arch = tree?.get('arch') ?? general?.get('arch');
  const distro = RHEL_FAMILY.find(([re]) => name !== undefined && re.test(name))?.[1];
  if (!distro || !version || !arch || !ARCH[arch]) return undefined;
  return { distro, version, arch: ARCH[arch]! };
}

/** .disk/info: `Debian GNU/Linux 12.5.0 "Bookworm" - Official amd64 NETINST ...`, `Ubuntu-Server 22.04.5 LTS "Jammy Jellyfish" - Release amd64 (...)`. */
export function parseDiskInfo(line: string): MediaIdentity | undefined {
  const m = /^(Debian|Ubuntu)[^\d]*(\d+(?:\.\d+)*)[^]*?\b(amd64|arm64|i386)\b/i.exec(line.trim());
  if (!m) return undefined;
  return { distro: m[1]!.toLowerCase(), version: m[2]!, arch: ARCH[m[3]!.toLowerCase()]! };
}

/** media.1/products `/ SLES 15.6-0` or `/ Leap 15.6-0`; the arch comes from the tree (boot/<arch>/). */
export function parseSuseProduct(products: string, arch: string | undefined): MediaIdentity | undefined {
  const m = /\b(SLES|SLE-15[\w-]*|Leap|openSUSE[\w-]*)\s+(\d+)(?:\.(\d+))?/i.exec(products) ?? undefined;
  if (!m || !arch) return undefined;
  const leap = /leap|opensuse/i.test(m[1]!);
  const version = leap ? `${m[2]}.${m[3] ?? '0'}` : m[3] && m[3] !== '0' ? `${m[2]}-SP${m[3]}` : m[2]!;
  return { distro: leap ? 'opensuse-leap' : 'sles', version, arch };
}

export async function detectMedia(tree: string): Promise<MediaIdentity | undefined> {
  const treeinfo = await text(join(tree, '.treeinfo'));
  if (treeinfo) return parseTreeinfo(treeinfo);
  const diskInfo = await text(join(tree, '.disk', 'info'));
  if (diskInfo) return parseDiskInfo(diskInfo);
  const products = (await text(join(tree, 'media.1', 'products'))) ?? (await text(join(tree, 'content')));
  if (products) {
    const suseArch = /\bBASEARCHS?\s+(\S+)/.exec(products)?.[1];
    const fromTree = (
      await Promise.all(
        ['x86_64', 'aarch64', 'ia64'].map(async (a) =>
          (await text(join(tree, 'boot', a, 'loader', 'linux'))) !== undefined || (await text(join(tree, 'boot', a, 'linux'))) !== undefined ? a : undefined,
        ),
      )
    ).find(Boolean);
    return parseSuseProduct(products, fromTree ?? (suseArch ? ARCH[suseArch] : undefined));
  }
  return undefined;
}

/** Catalog releases are majors (rocky 9, debian 12) or exact (ubuntu 22.04, sles 15-SP6): try the exact one first, then shorter. */
export function releaseCandidates(version: string): string[] {
  const parts = version.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

// Structural checks of answer files, for the formats Debian 12 ships no
// validator for: kickstart (pykickstart's ksvalidator is not packaged in
// Debian 12: `apt-cache search pykickstart` finds nothing), AutoYaST (SUSE's
// RELAX NG schema lives in yast2-schema, not in Debian) and autoinstall
// (checked against the keys Ubuntu's autoinstall reference documents).

import { XMLParser } from 'fast-xml-parser';

/** Kickstart commands the shipped templates may use (pykickstart's command list, RHEL 5 to 10). */
const KICKSTART_COMMANDS = new Set([
  'install',
  'text',
  'key',
  'authconfig',
  'url',
  'repo',
  'lang',
  'keyboard',
  'timezone',
  'network',
  'rootpw',
  'user',
  'sshkey',
  'firewall',
  'selinux',
  'skipx',
  'zerombr',
  'ignoredisk',
  'clearpart',
  'bootloader',
  'reqpart',
  'part',
  'raid',
  'volgroup',
  'logvol',
  'reboot',
]);
const SECTIONS = /^%(packages|pre|post|onerror)\b/;

export function kickstartProblems(text: string): string[] {
  const problems: string[] = [];
  let section: string | undefined;
  text.split('\n').forEach((line, i) => {
    if (section) {
      if (line === '%end') section = undefined;
      else if (SECTIONS.test(line)) problems.push(`line ${i + 1}: ${line} inside ${section} (missing %end)`);
      return;
    }
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = SECTIONS.exec(line);
    if (m) {
      section = m[0];
      return;
    }
    const command = line.split(/\s+/)[0]!;
    if (!KICKSTART_COMMANDS.has(command)) problems.push(`line ${i + 1}: unknown kickstart command "${command}"`);
    if (line === '%end') problems.push(`line ${i + 1}: %end outside a section`);
  });
  if (section) problems.push(`${section} never closed by %end`);
  return problems;
}

/** AutoYaST: the root element, its namespaces and the sections dploy relies on. */
export function autoyastProblems(xml: string): string[] {
  const doc = new XMLParser({ ignoreAttributes: false, processEntities: false }).parse(xml) as Record<string, Record<string, unknown>>;
  const profile = doc.profile;
  if (!profile) return ['root element is not <profile>'];
  const problems: string[] = [];
  if (profile['@_xmlns'] !== 'http://www.suse.com/1.0/yast2ns') problems.push('profile lacks the yast2ns namespace');
  if (profile['@_xmlns:config'] !== 'http://www.suse.com/1.0/configns') problems.push('profile lacks the configns namespace');
  for (const section of ['general', 'networking', 'partitioning', 'software', 'users', 'scripts', 'bootloader', 'timezone']) {
    if (!(section in profile)) problems.push(`no <${section}>`);
  }
  const lists = xml.match(/<(partitioning|interfaces|net-udev|users|packages|patterns|pre-scripts|chroot-scripts|partitions|authorized_keys)( [^>]*)?>/g) ?? [];
  for (const tag of lists) if (!tag.includes('config:type="list"')) problems.push(`${tag} must carry config:type="list"`);
  return problems;
}

/** Top-level autoinstall keys from Ubuntu's autoinstall reference (version 1). */
const AUTOINSTALL_KEYS = new Set([
  'version',
  'interactive-sections',
  'early-commands',
  'locale',
  'refresh-installer',
  'keyboard',
  'source',
  'network',
  'proxy',
  'apt',
  'storage',
  'identity',
  'active-directory',
  'ubuntu-pro',
  'ssh',
  'codecs',
  'drivers',
  'oem',
  'timezone',
  'updates',
  'shutdown',
  'snaps',
  'debconf-selections',
  'packages',
  'kernel',
  'kernel-crash-dumps',
  'user-data',
  'reporting',
  'late-commands',
  'error-commands',
]);

export function autoinstallProblems(doc: unknown): string[] {
  const ai = (doc as { autoinstall?: Record<string, unknown> } | null)?.autoinstall;
  if (!ai) return ['no autoinstall: key'];
  const problems = Object.keys(ai)
    .filter((k) => !AUTOINSTALL_KEYS.has(k))
    .map((k) => `undocumented key ${k}`);
  if (ai.version !== 1) problems.push('version must be 1');
  // identity is required unless user-data is given (the reference says so).
  if (!ai.identity && !ai['user-data']) problems.push('neither identity nor user-data');
  for (const list of ['early-commands', 'late-commands', 'error-commands', 'packages']) {
    if (list in ai && !(Array.isArray(ai[list]) && (ai[list] as unknown[]).every((c) => typeof c === 'string')))
      problems.push(`${list} must be a list of strings`);
  }
  return problems;
}

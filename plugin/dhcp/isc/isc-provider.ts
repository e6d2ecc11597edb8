// ISC dhcpd (isc-dhcp-server 4.x). Host stanzas carry identity and addresses
// only; the boot snippet picks next-server and filename per request from
// option 93 using `option pxe-system-type`, dhcpd's built-in name for that
// code (dhcp-options(5)). Defining no option code means the snippet coexists
// with a site config that already says `option arch code 93 = …`, where a
// second definition would be an error.

import { resolveBootOptions } from '../boot-options.js';
import { codesFor, LOADER_KEYS, isHttpBoot } from '../client-arch-loaders.js';
import type { LoaderKey } from '../client-arch-loaders.js';
import { checkHostEntries } from '../host-entries.js';
import { WRITTEN_BY_DPLOY } from '../provider.js';
import type { DhcpBootOptions, DhcpFileKind, DhcpHostEntry, DhcpProvider, ResolvedBootOptions, ValidHostEntry } from '../provider.js';
import { checkIncludablePath, runValidator } from '../validation-wrapper.js';
import { DployError } from '../../errors.js';

function hostStanza(entry: ValidHostEntry, boot: ResolvedBootOptions): string {
  const lines = [`host ${entry.name} {`, `  hardware ethernet ${entry.mac};`];
  if (entry.ip !== undefined) lines.push(`  fixed-address ${entry.ip};`);
  lines.push(`  option host-name "${entry.name}";`);
  if (boot.domain !== undefined) lines.push(`  option domain-name "${boot.domain}";`);
  if (boot.dnsServers.length > 0) lines.push(`  option domain-name-servers ${boot.dnsServers.join(', ')};`);
  lines.push('}');
  return lines.join('\n');
}

function render(entries: readonly DhcpHostEntry[], options: DhcpBootOptions): string {
  const boot = resolveBootOptions(options);
  const hosts = checkHostEntries(entries).map((entry) => hostStanza(entry, boot));
  return `${WRITTEN_BY_DPLOY}\n# ${hosts.length} host(s); boot file names come from dploy's boot snippet.\n${hosts.map((h) => `${h}\n`).join('')}`;
}

/** `option pxe-system-type = 00:07 or …` for the codes that share a loader. */
function archTest(key: LoaderKey): string {
  return codesFor(key)
    .map((code) => `option pxe-system-type = 00:${code.toString(16).padStart(2, '0')}`)
    .join(' or ');
}

function archBranch(key: LoaderKey, boot: ResolvedBootOptions): string[] {
  const body = isHttpBoot(key)
    ? [
        '  # UEFI HTTP boot: the file name is a URL and the reply must carry vendor class HTTPClient (UEFI spec, HTTP Boot).',
        '  option vendor-class-identifier "HTTPClient";',
      ]
    : [`  next-server ${boot.nextServer};`];
  return [`} elsif ${archTest(key)} {`, ...body, `  filename "${boot.loaders[key]}";`];
}

function renderBoot(options: DhcpBootOptions): string {
  const boot = resolveBootOptions(options);
  if (boot.proxyNetwork !== undefined) {
    throw new DployError('DPLOY_ERR_INVALID_INPUT', 'proxy-DHCP is served by dnsmasq only; ISC dhcpd is configured directly');
  }
  const lines = [
    WRITTEN_BY_DPLOY,
    '# Boot snippet: include once, at global scope or in the subnet PXE clients boot from.',
    '# Loader by client architecture, DHCP option 93 (RFC 4578); iPXE (option 77 "iPXE") gets dploy\'s script.',
    'if exists user-class and option user-class = "iPXE" {',
    `  filename "${boot.ipxeScriptUrl}";`,
    ...LOADER_KEYS.flatMap((key) => archBranch(key, boot)),
    '} elsif not exists pxe-system-type and substring (option vendor-class-identifier, 0, 9) = "PXEClient" {',
    '  # PXE ROMs older than RFC 4578 send no option 93: they are BIOS machines.',
    `  next-server ${boot.nextServer};`,
    `  filename "${boot.loaders.bios}";`,
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `dhcpd -t` on a wrapper declaring one TEST-NET-1 subnet (RFC 5737) and
 * including the file: test mode parses only, it binds nothing.
 */
async function validate(path: string, kind: DhcpFileKind, dhcpdPath: string): Promise<void> {
  const wrapper = [`# dploy validation wrapper (${kind} file)`, 'subnet 192.0.2.0 netmask 255.255.255.0 { }', `include "${checkIncludablePath(path)}";`, ''];
  await runValidator(path, {
    debianPackage: 'isc-dhcp-server',
    files: { 'dhcpd.conf': wrapper.join('\n') },
    argv: [dhcpdPath, '-t', '-cf', '{dir}/dhcpd.conf'],
  });
}

export function createIscProvider(settings: { dhcpdPath?: string } = {}): DhcpProvider {
  const dhcpdPath = settings.dhcpdPath ?? '/usr/sbin/dhcpd';
  return { name: 'isc', render, renderBoot, validate: (path, kind) => validate(path, kind, dhcpdPath) };
}

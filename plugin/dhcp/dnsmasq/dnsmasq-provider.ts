// dnsmasq (2.90). The hosts file is a dhcp-hostsfile: `mac,set:dploy,ip,name`
// lines in --dhcp-host syntax that dnsmasq re-reads on SIGHUP, no restart.
// Every dploy host carries the tag "dploy" so the domain and DNS options reach
// dploy's machines only. The boot snippet tags the client architecture from
// option 93 (RFC 4578) and iPXE from option 77; every dhcp-boot line matches
// a set of tags no other line matches, so dnsmasq's choice among several
// matching lines never comes into play.

import { readFile } from 'node:fs/promises';
import { resolveBootOptions } from '../boot-options.js';
import { codesFor, isHttpBoot, LOADER_KEYS, loaderTag } from '../client-arch-loaders.js';
import type { LoaderKey } from '../client-arch-loaders.js';
import { checkHostEntries } from '../host-entries.js';
import { WRITTEN_BY_DPLOY } from '../provider.js';
import type { DhcpBootOptions, DhcpFileKind, DhcpHostEntry, DhcpProvider, ResolvedBootOptions } from '../provider.js';
import { checkIncludablePath, runValidator } from '../validation-wrapper.js';
import { renderProxyBoot } from './dnsmasq-proxy.js';

const HOST_TAG = 'dploy';

function render(entries: readonly DhcpHostEntry[], options: DhcpBootOptions): string {
  resolveBootOptions(options); // refused here as by the other servers, though only the boot snippet uses them
  const lines = checkHostEntries(entries).map((entry) => [entry.mac, `set:${HOST_TAG}`, ...(entry.ip === undefined ? [] : [entry.ip]), entry.name].join(','));
  return `${WRITTEN_BY_DPLOY}\n${lines.map((line) => `${line}\n`).join('')}`;
}

function archLines(key: LoaderKey, boot: ResolvedBootOptions): string[] {
  const tag = loaderTag(key);
  const matches = codesFor(key).map((code) => `dhcp-match=set:${tag},option:client-arch,${code}`);
  if (!isHttpBoot(key)) return [...matches, `dhcp-boot=tag:!dploy-ipxe,tag:${tag},${boot.loaders[key]},,${boot.nextServer}`];
  // UEFI HTTP boot: the reply must carry vendor class "HTTPClient" (UEFI spec, HTTP Boot).
  return [...matches, `dhcp-option-force=tag:${tag},option:vendor-class,HTTPClient`, `dhcp-boot=tag:${tag},${boot.loaders[key]}`];
}

function domainLines(boot: ResolvedBootOptions): string[] {
  const lines: string[] = [];
  if (boot.domain !== undefined) lines.push(`dhcp-option=tag:${HOST_TAG},option:domain-name,${boot.domain}`);
  if (boot.dnsServers.length > 0) lines.push(`dhcp-option=tag:${HOST_TAG},option:dns-server,${boot.dnsServers.join(',')}`);
  return lines;
}

function renderBoot(options: DhcpBootOptions): string {
  const boot = resolveBootOptions(options);
  if (boot.proxyNetwork !== undefined) return renderProxyBoot(boot);
  const lines = [
    WRITTEN_BY_DPLOY,
    '# Boot snippet: conf-file= it once. Loader by client architecture, DHCP option 93 (RFC 4578);',
    '# iPXE (user class "iPXE", option 77) gets dploy\'s script instead of a loader: no chainload loop.',
    'dhcp-userclass=set:dploy-ipxe,iPXE',
    `dhcp-boot=tag:dploy-ipxe,${boot.ipxeScriptUrl}`,
    ...LOADER_KEYS.flatMap((key) => archLines(key, boot)),
    '# PXE ROMs older than RFC 4578 send no option 93: they are BIOS machines.',
    'dhcp-match=set:dploy-arch,option:client-arch',
    'dhcp-vendorclass=set:dploy-pxe,PXEClient',
    `dhcp-boot=tag:!dploy-ipxe,tag:!dploy-arch,tag:dploy-pxe,${boot.loaders.bios},,${boot.nextServer}`,
    ...domainLines(boot),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A hostsfile line has --dhcp-host syntax, but `dnsmasq --test` does not open
 * hostsfiles: check them as dhcp-host= lines, keeping line numbers.
 */
function asDhcpHostLines(content: string): string {
  return content
    .split('\n')
    .map((line) => (line.trim() === '' || line.startsWith('#') ? line : `dhcp-host=${line}`))
    .join('\n');
}

async function validate(path: string, kind: DhcpFileKind, dnsmasqPath: string): Promise<void> {
  const files: Record<string, string> = {};
  // --test only parses: nothing is bound, so the wrapper needs no port= or interface=.
  const wrapper = ['dhcp-range=192.0.2.100,192.0.2.200,12h'];
  if (kind === 'hosts') {
    files['hosts.conf'] = asDhcpHostLines(await readFile(path, 'utf8'));
    wrapper.push('conf-file={dir}/hosts.conf');
  } else {
    wrapper.push(`conf-file=${checkIncludablePath(path)}`);
  }
  files['dnsmasq.conf'] = `${wrapper.join('\n')}\n`;
  await runValidator(path, {
    debianPackage: 'dnsmasq-base',
    files,
    standIn: 'hosts.conf',
    argv: [dnsmasqPath, '--test', '--conf-file={dir}/dnsmasq.conf'],
  });
}

export function createDnsmasqProvider(settings: { dnsmasqPath?: string } = {}): DhcpProvider {
  const dnsmasqPath = settings.dnsmasqPath ?? '/usr/sbin/dnsmasq';
  return { name: 'dnsmasq', render, renderBoot, validate: (path, kind) => validate(path, kind, dnsmasqPath) };
}

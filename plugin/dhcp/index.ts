// The DHCP capability: one small interface (provider.ts), one file per server,
// and this registry picked by one setting (dhcp.server: isc | kea | dnsmasq).
// Adding a server is one folder and one line here.

import { createDnsmasqProvider } from './dnsmasq/dnsmasq-provider.js';
import { createIscProvider } from './isc/isc-provider.js';
import { createKeaProvider } from './kea/kea-provider.js';
import type { DhcpBootOptions, DhcpFileKind, DhcpHostEntry, DhcpProvider, DhcpServerName } from './provider.js';

export type { DhcpBootOptions, DhcpFileKind, DhcpHostEntry, DhcpProvider, DhcpServerName, ResolvedBootOptions } from './provider.js';
export { applyDhcpBootFile, applyDhcpFile, replaceDhcpFile } from './apply-dhcp-file.js';
export type { ApplyDhcpFile, DhcpFileOutcome } from './apply-dhcp-file.js';
export { bootNicEntries } from './host-entries.js';

/** Where each server's validator lives when it is not /usr/sbin (the Debian location). */
export interface DhcpToolPaths {
  dhcpdPath?: string;
  keaDhcp4Path?: string;
  dnsmasqPath?: string;
}

export const DHCP_PROVIDERS: Record<DhcpServerName, (paths?: DhcpToolPaths) => DhcpProvider> = {
  isc: createIscProvider,
  kea: createKeaProvider,
  dnsmasq: createDnsmasqProvider,
};

/**
 * `dploy dhcp export --server isc|kea|dnsmasq [--boot]`: what dploy would
 * write, for admins who paste it in by hand or review it before automatic writes.
 */
export function exportDhcp(server: DhcpServerName, entries: readonly DhcpHostEntry[], options: DhcpBootOptions, kind: DhcpFileKind = 'hosts'): string {
  const provider = DHCP_PROVIDERS[server]();
  return kind === 'hosts' ? provider.render(entries, options) : provider.renderBoot(options);
}

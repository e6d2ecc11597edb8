// The DHCP capability's contract (the Foreman smart-proxy way: one interface,
// one file per server). dploy never replaces the site's DHCP server: it writes
// two files the admin includes from the server's own configuration.
//  - the hosts file: one entry per machine (identity and addresses only), rewritten as machines come and go;
//  - the boot snippet: site-wide, chooses the loader from DHCP option 93 (RFC 4578), written once per setting change.

import type { LoaderKey } from './client-arch-loaders.js';

export interface DhcpHostEntry {
  /** RFC 1123 host name; sent as option 12 (host-name). */
  name: string;
  /** Boot NIC MAC, any common notation. */
  mac: string;
  /** Fixed IPv4 address; without it the host gets one from the site's pool. */
  ip?: string;
}

export interface DhcpBootOptions {
  /** TFTP server sent as next-server / siaddr (RFC 2131 §2). */
  nextServer: string;
  /** How booting machines reach dploy's HTTP server, e.g. http://192.0.2.1:8080 (iPXE script, UEFI HTTP boot). */
  httpBaseUrl: string;
  /** Loader per client architecture; defaults in client-arch-loaders.ts. */
  loaders?: Partial<Record<LoaderKey, string>>;
  /** Sent to dploy's hosts only (option 15), never to the rest of the site. */
  domain?: string;
  /** Sent to dploy's hosts only (option 6). */
  dnsServers?: string[];
  /** dnsmasq only: answer proxy-DHCP on this IPv4 network (CIDR) when the site's DHCP server cannot be changed. */
  proxyNetwork?: string;
}

/** Boot options after validation, defaults filled in. */
export interface ResolvedBootOptions {
  nextServer: string;
  httpBaseUrl: string;
  ipxeScriptUrl: string;
  loaders: Readonly<Record<LoaderKey, string>>;
  domain?: string;
  dnsServers: readonly string[];
  proxyNetwork?: { address: string; netmask: string };
}

/** A host entry after validation: MAC normalised, every value safe to write unquoted. */
export interface ValidHostEntry {
  name: string;
  mac: string;
  ip?: string;
}

export type DhcpFileKind = 'hosts' | 'boot';

export interface DhcpProvider {
  readonly name: DhcpServerName;
  /** The hosts file; throws DPLOY_ERR_INVALID_INPUT on any value that could not be written safely. */
  render(entries: readonly DhcpHostEntry[], options: DhcpBootOptions): string;
  /** The boot snippet the admin includes once. */
  renderBoot(options: DhcpBootOptions): string;
  /** Runs the server's own test mode on a minimal config including the file; DPLOY_ERR_DHCP_REJECTED with its words. */
  validate(path: string, kind: DhcpFileKind): Promise<void>;
}

export type DhcpServerName = 'isc' | 'kea' | 'dnsmasq';

/** First line of every file dploy writes, in the comment syntax dhcpd and dnsmasq share. */
export const WRITTEN_BY_DPLOY = '# Written by dploy; it rewrites this file. Do not edit: see docs/dhcp.md.';

// Site-wide boot options, validated once and frozen (the Fastify way) before
// any provider writes them. Loader names and URLs end up inside quoted strings
// (dhcpd, Kea JSON) and comma-separated fields (dnsmasq), so they are held to
// a whitelist that contains none of `"` `\` `,` `;` `{` `}` `#` or whitespace.

import { DployError } from '../errors.js';
import { defaultLoaders, ipxeScriptUrl, isHttpBoot, LOADER_KEYS } from './client-arch-loaders.js';
import type { LoaderKey } from './client-arch-loaders.js';
import { checkDomainName, checkIpv4, shown } from './host-entries.js';
import type { DhcpBootOptions, ResolvedBootOptions } from './provider.js';

const TFTP_PATH = /^[A-Za-z0-9_+-][A-Za-z0-9._+/-]{0,127}$/;
const HTTP_URL = /^https?:\/\/[A-Za-z0-9._~:/?&=%+@\[\]-]{1,250}$/;

function invalid(message: string): DployError {
  return new DployError('DPLOY_ERR_INVALID_INPUT', message);
}

function checkUrl(value: string, what: string): string {
  if (!HTTP_URL.test(value)) throw invalid(`${what} ${shown(value)} must be an http:// or https:// URL without quotes, commas, spaces or braces`);
  return value;
}

function checkLoader(key: LoaderKey, value: string): string {
  if (isHttpBoot(key)) return checkUrl(value, `loader ${key}`);
  if (!TFTP_PATH.test(value) || value.split('/').includes('..')) {
    throw invalid(`loader ${key} ${shown(value)} must be a relative TFTP path of letters, digits and . _ + - /`);
  }
  return value;
}

/** "192.0.2.0/24" → address and dotted netmask, the form dnsmasq's dhcp-range wants. */
function checkNetwork(cidr: string): { address: string; netmask: string } {
  const [address = '', bits = ''] = cidr.split('/');
  const prefix = Number(bits);
  if (!/^\d{1,2}$/.test(bits) || prefix < 8 || prefix > 30) throw invalid(`proxy network ${shown(cidr)} must be IPv4 CIDR, /8 to /30`);
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const netmask = [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
  return { address: checkIpv4(address, 'proxy network'), netmask };
}

export function resolveBootOptions(options: DhcpBootOptions): ResolvedBootOptions {
  const httpBaseUrl = checkUrl(options.httpBaseUrl.replace(/\/+$/, ''), 'HTTP base URL');
  const defaults = defaultLoaders(httpBaseUrl);
  const loaders = Object.fromEntries(LOADER_KEYS.map((key) => [key, checkLoader(key, options.loaders?.[key] ?? defaults[key])])) as Record<LoaderKey, string>;
  const resolved: ResolvedBootOptions = {
    nextServer: checkIpv4(options.nextServer, 'next-server'),
    httpBaseUrl,
    ipxeScriptUrl: ipxeScriptUrl(httpBaseUrl),
    loaders: Object.freeze(loaders),
    dnsServers: Object.freeze((options.dnsServers ?? []).map((ip) => checkIpv4(ip, 'DNS server'))),
  };
  if (options.domain !== undefined && options.domain !== '') resolved.domain = checkDomainName(options.domain, 'domain');
  if (options.proxyNetwork !== undefined && options.proxyNetwork !== '') resolved.proxyNetwork = checkNetwork(options.proxyNetwork);
  return Object.freeze(resolved);
}

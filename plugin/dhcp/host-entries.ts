// Every value dploy writes into a DHCP server's configuration is checked here,
// once, against a whitelist: a host name with a quote, brace, semicolon, comma
// or newline would otherwise end the statement it sits in and inject
// configuration. Providers then write the values without further quoting.

import { isIPv4 } from 'node:net';
import { DployError } from '../errors.js';
import { hostBootNic } from '../model/boot-nic.js';
import type { Host } from '../model/host.js';
import { hostNameProblem } from '../model/host-name.js';
import { isUsableMac, normalizeMac } from '../model/mac.js';
import type { DhcpHostEntry, ValidHostEntry } from './provider.js';

function invalid(message: string): DployError {
  return new DployError('DPLOY_ERR_INVALID_INPUT', message);
}

/** Printable form of a rejected value: control characters shown, length capped. */
export function shown(value: string): string {
  return JSON.stringify(value.slice(0, 80));
}

export function checkIpv4(value: string, what: string): string {
  if (!isIPv4(value)) throw invalid(`${what} ${shown(value)} is not an IPv4 address (dotted quad)`);
  return value;
}

export function checkDomainName(value: string, what: string): string {
  const problem = hostNameProblem(value);
  if (problem !== undefined) throw invalid(`${what} ${shown(value)} ${problem}`);
  return value.toLowerCase();
}

function checkEntry(entry: DhcpHostEntry): ValidHostEntry {
  const name = checkDomainName(entry.name, 'DHCP host name');
  const mac = normalizeMac(entry.mac);
  if (mac === undefined || !isUsableMac(mac)) {
    throw invalid(`host ${name}: MAC ${shown(entry.mac)} is not a usable unicast Ethernet address`);
  }
  if (entry.ip === undefined || entry.ip === '') return { name, mac };
  return { name, mac, ip: checkIpv4(entry.ip, `host ${name}: address`) };
}

/**
 * Validated entries in a stable order (by name) so the same set always renders
 * the same bytes; names, MACs and addresses must be unique because every
 * server refuses (Kea) or silently mishandles (dhcpd, dnsmasq) duplicates.
 */
export function checkHostEntries(entries: readonly DhcpHostEntry[]): ValidHostEntry[] {
  const valid = entries.map(checkEntry).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const field of ['name', 'mac', 'ip'] as const) {
    const seen = new Set<string>();
    for (const entry of valid) {
      const value = entry[field];
      if (value === undefined) continue;
      if (seen.has(value)) throw invalid(`two DHCP host entries share the ${field === 'ip' ? 'address' : field} ${value}`);
      seen.add(value);
    }
  }
  return valid;
}

/** One entry per host, for its boot NIC: the NIC that asks DHCP for its boot file. */
export function bootNicEntries(hosts: readonly Host[]): DhcpHostEntry[] {
  return hosts.flatMap((host) => {
    const nic = hostBootNic(host);
    return nic ? [{ name: host.name, mac: nic.mac }] : [];
  });
}

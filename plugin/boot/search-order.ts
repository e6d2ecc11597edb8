// The exact file names each loader asks for, in the order it asks. These are
// the specifications request-name.ts parses back; tests replay them.
//
// pxelinux (also lpxelinux.0 and syslinux.efi, which share the code): Debian
// syslinux-common /usr/share/doc/syslinux-common/asciidoc/pxelinux.txt.gz,
// "Configuration filename": UUID, 01-MAC, hex IP shortened one digit at a
// time, `default`, all under `pxelinux.cfg/` in the loader's directory.
// GRUB 2 (2.06+, grub-core/net/net.c grub_net_search_config_file, per
// interface): $prefix/grub.cfg-UUID (only when DHCP gave option 97),
// grub.cfg-01-MAC, grub.cfg-HEXIP shortened 8 times, then $prefix/grub.cfg.
// elilo (fs/netfs glue netfs_setdefaults, ENABLE_MACHINE_SPECIFIC_NETCONFIG):
// HEXIP.conf, then 6/4/2 digits with -ARCH.conf before .conf, then the MAC in
// upper case with colons, then elilo-ARCH.conf and elilo.conf.

import { hexPrefixes, ipv4ToHex } from './hex-ip.js';

export interface BootIdentity {
  mac: string;
  uuid?: string;
  ip: string;
}

function dashedMac(mac: string): string {
  return `01-${mac.toLowerCase().replace(/:/g, '-')}`;
}

function requireHex(ip: string): string {
  const hex = ipv4ToHex(ip);
  if (!hex) throw new RangeError(`not an IPv4 address: ${ip}`);
  return hex;
}

export function pxelinuxSearchOrder(who: BootIdentity, directory = ''): string[] {
  const base = directory ? `${directory}/pxelinux.cfg/` : 'pxelinux.cfg/';
  const names = [...(who.uuid ? [who.uuid] : []), dashedMac(who.mac), ...hexPrefixes(requireHex(who.ip)), 'default'];
  return names.map((name) => base + name);
}

/** `prefix` is GRUB's $prefix as a TFTP path, e.g. `/grub` or `/boot/grub`. */
export function grubSearchOrder(who: BootIdentity, prefix = '/grub'): string[] {
  const config = `${prefix}/grub.cfg`;
  const suffixes = [...(who.uuid ? [who.uuid] : []), dashedMac(who.mac), ...hexPrefixes(requireHex(who.ip))];
  return [...suffixes.map((suffix) => `${config}-${suffix}`), config];
}

/** `archSuffix` is the one elilo was built for: ia64, x86_64 or ia32. */
export function eliloSearchOrder(who: BootIdentity, archSuffix = 'ia64', directory = ''): string[] {
  const hex = requireHex(who.ip);
  const names = [`${hex}.conf`];
  for (const length of [6, 4, 2]) names.push(`${hex.slice(0, length)}-${archSuffix}.conf`, `${hex.slice(0, length)}.conf`);
  names.push(`${who.mac.toUpperCase()}.conf`, `elilo-${archSuffix}.conf`, 'elilo.conf');
  return names.map((name) => (directory ? `${directory}/${name}` : name));
}

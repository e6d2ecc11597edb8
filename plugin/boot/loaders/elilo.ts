// elilo (IA-64, and the x86 EFI builds). fs/netfs glue netfs_setdefaults,
// ENABLE_MACHINE_SPECIFIC_NETCONFIG: HEXIP.conf, then 6/4/2 digits with
// -ARCH.conf before .conf, then the MAC in upper case with colons, then
// elilo-ARCH.conf and elilo.conf. ARCH is the one elilo was built for.

import type { Architecture } from '../../model/inventory.js';
import { normalizeMac } from '../../model/mac.js';
import { hexToIpv4 } from '../hex-ip.js';
import { kernelQuoted, tftpOnly, withBootif } from './kernel-words.js';
import type { BootIdentity, BootLoaderRules, RequestedName } from './loader.js';
import { COLON_MAC, requireHex } from './name-parts.js';

const SUFFIX_ARCH: Record<string, Architecture> = { ia64: 'ia64', x86_64: 'x86_64', ia32: 'i386' };
const ARCH_SUFFIX: Partial<Record<Architecture, string>> = { ia64: 'ia64', x86_64: 'x86_64', i386: 'ia32' };
const EXTENSION = '.conf';

/** `archSuffix` is the one elilo was built for: ia64, x86_64 or ia32. */
export function eliloSearchOrder(who: BootIdentity, archSuffix = 'ia64', directory = ''): string[] {
  const hex = requireHex(who.ip);
  const names = [`${hex}.conf`];
  for (const length of [6, 4, 2]) names.push(`${hex.slice(0, length)}-${archSuffix}.conf`, `${hex.slice(0, length)}.conf`);
  names.push(`${who.mac.toUpperCase()}.conf`, `elilo-${archSuffix}.conf`, 'elilo.conf');
  return names.map((name) => (directory ? `${directory}/${name}` : name));
}

function read({ name, directories }: RequestedName) {
  const stem = name.slice(0, -EXTENSION.length);
  const archMatch = /^(.*)-(ia64|x86_64|ia32)$/.exec(stem);
  const arch = archMatch ? SUFFIX_ARCH[archMatch[2] ?? ''] : undefined;
  const base = archMatch?.[1] ?? stem;
  const common = { loader: 'elilo' as const, directory: directories.join('/'), ...(arch ? { arch, firmware: 'uefi' as const } : {}) };
  if (base === 'elilo') return name === 'elilo.conf' || arch ? { ...common, isDefault: true } : undefined;
  if (COLON_MAC.test(base) && !arch) return { ...common, mac: normalizeMac(base), isDefault: false };
  // elilo shortens the address by whole octets: 8, 6, 4 or 2 digits.
  if (!/^[0-9A-F]+$/.test(base) || ![2, 4, 6, 8].includes(base.length)) return undefined;
  if (base.length === 8) return arch ? undefined : { ...common, ip: hexToIpv4(base), isDefault: false };
  return { ...common, ipHexPrefix: base, isDefault: false };
}

export const elilo: BootLoaderRules = {
  name: 'elilo',
  firmware: 'uefi',
  tftp: { claims: ({ name }) => name.endsWith(EXTENSION), read },
  kernel: {
    quote: kernelQuoted,
    words(args, initrds, bootif, owner, fail) {
      if (initrds.length > 1) fail(`elilo loads one initrd; ${owner} has ${initrds.length}`);
      return withBootif(args, bootif);
    },
    path: (path, _base, owner, fail) => tftpOnly('elilo', path, owner, fail),
  },
  pathFor: (mac, place) => `${place.directory ? `${place.directory}/` : ''}${mac.toUpperCase()}${EXTENSION}`,
  searchOrder: (who, place) => eliloSearchOrder(who, (place.arch && ARCH_SUFFIX[place.arch]) || 'ia64', place.directory),
};

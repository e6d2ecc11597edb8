// TFTP file name -> which loader asks, and for which machine. The names are
// the ones search-order.ts lists (see the sources cited there); anything else
// is not a boot-config name and is left to the next TFTP route.

import type { Architecture } from '../model/inventory.js';
import { normalizeMac } from '../model/mac.js';
import type { BootConfigRequest } from './boot-request.js';
import { hexToIpv4 } from './hex-ip.js';

const SEGMENT = /^[A-Za-z0-9._:+-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DASHED_MAC = /^01-(?:[0-9a-f]{2}-){5}[0-9a-f]{2}$/;
const COLON_MAC = /^(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;
const HEX_IP = /^[0-9A-F]{1,8}$/;
const ELILO_ARCH: Record<string, Architecture> = { ia64: 'ia64', x86_64: 'x86_64', ia32: 'i386' };

type Identity = Pick<BootConfigRequest, 'mac' | 'uuid' | 'ip' | 'ipHexPrefix'>;

/** The identity a name suffix carries: UUID, 01-MAC (or GRUB's colon form), hex IP. */
function identity(suffix: string, colonMacAllowed: boolean): Identity | undefined {
  if (UUID.test(suffix)) return { uuid: suffix };
  if (DASHED_MAC.test(suffix)) return { mac: normalizeMac(suffix.slice(3)) };
  if (colonMacAllowed && COLON_MAC.test(suffix)) return { mac: normalizeMac(suffix) };
  if (HEX_IP.test(suffix)) return suffix.length === 8 ? { ip: hexToIpv4(suffix) } : { ipHexPrefix: suffix };
  return undefined;
}

function pxelinux(name: string, directory: string): BootConfigRequest | undefined {
  if (name === 'default') return { loader: 'pxelinux', isDefault: true, directory };
  const who = identity(name, false);
  return who && { loader: 'pxelinux', ...who, isDefault: false, directory };
}

function grub(name: string, directory: string): BootConfigRequest | undefined {
  if (name === 'grub.cfg') return { loader: 'grub', isDefault: true, directory };
  const who = identity(name.slice('grub.cfg-'.length), true);
  return who && { loader: 'grub', ...who, isDefault: false, directory };
}

function elilo(name: string, directory: string): BootConfigRequest | undefined {
  const stem = name.slice(0, -'.conf'.length);
  const archMatch = /^(.*)-(ia64|x86_64|ia32)$/.exec(stem);
  const arch = archMatch ? ELILO_ARCH[archMatch[2] ?? ''] : undefined;
  const base = archMatch?.[1] ?? stem;
  const common = { loader: 'elilo' as const, directory, ...(arch ? { arch, firmware: 'uefi' as const } : {}) };
  if (base === 'elilo') return name === 'elilo.conf' || arch ? { ...common, isDefault: true } : undefined;
  if (COLON_MAC.test(base) && !arch) return { ...common, mac: normalizeMac(base), isDefault: false };
  // elilo shortens the address by whole octets: 8, 6, 4 or 2 digits.
  if (!/^[0-9A-F]+$/.test(base) || ![2, 4, 6, 8].includes(base.length)) return undefined;
  if (base.length === 8) return arch ? undefined : { ...common, ip: hexToIpv4(base), isDefault: false };
  return { ...common, ipHexPrefix: base, isDefault: false };
}

/**
 * Reads a TFTP path. GRUB sends its $prefix with a leading `/`, elilo may use
 * `\`; pxelinux asks relative to its working directory. Returns undefined for
 * anything that is not a boot-config name (kernels, loaders, `..` tricks).
 */
export function parseBootFileName(path: string): BootConfigRequest | undefined {
  if (path.length === 0 || path.length > 512) return undefined;
  const parts = path.replace(/\\/g, '/').replace(/^\/+/, '').split('/');
  if (parts.some((part) => !SEGMENT.test(part) || part === '.' || part === '..')) return undefined;
  const name = parts.pop() ?? '';
  if (parts.at(-1) === 'pxelinux.cfg') return pxelinux(name, parts.slice(0, -1).join('/'));
  const directory = parts.join('/');
  if (name === 'grub.cfg' || name.startsWith('grub.cfg-')) return grub(name, directory);
  if (name.endsWith('.conf')) return elilo(name, directory);
  return undefined;
}

// iPXE asks over HTTP, not by file name, at one URL whose query may carry
//   http://dploy/boot/ipxe?mac=${netX/mac}&uuid=${uuid}&arch=${buildarch}&platform=${platform}
// (iPXE settings: buildarch is i386/x86_64/arm32/arm64, platform pcbios/efi).
// `arch` may also be a DHCP option 93 number (RFC 4578) from a DHCP relay.
// dploy's own DHCP files chain to /boot/ipxe?mac=${netX/mac}: its search order.

import type { Architecture } from '../../model/inventory.js';
import type { Firmware } from '../../model/host.js';
import { normalizeMac } from '../../model/mac.js';
import type { BootConfigRequest } from '../boot-request.js';
import { clientArchitecture } from '../client-arch.js';
import { kernelQuoted, URL_LIKE, withBootif } from './kernel-words.js';
import type { BootLoaderRules } from './loader.js';

const BUILD_ARCH: Record<string, Architecture> = { i386: 'i386', x86_64: 'x86_64', arm32: 'armhf', arm64: 'aarch64' };
const PLATFORM: Record<string, Firmware> = { pcbios: 'bios', efi: 'uefi' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Query = Record<string, string | string[] | undefined> | URLSearchParams;

function first(query: Query, key: string): string | undefined {
  const value = query instanceof URLSearchParams ? (query.get(key) ?? undefined) : query[key];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text.trim();
}

function archOf(value: string | undefined): { arch?: Architecture; firmware?: Firmware } {
  if (value === undefined) return {};
  if (/^\d{1,5}$/.test(value)) {
    const entry = clientArchitecture(Number(value));
    return entry ? { arch: entry.arch, firmware: entry.firmware } : {};
  }
  const arch = BUILD_ARCH[value.toLowerCase()];
  return arch ? { arch } : {};
}

/**
 * Parses the query of GET /boot/ipxe. Values that do not parse are dropped,
 * not guessed: a bad MAC leaves the request anonymous (isDefault).
 */
export function parseIpxeQuery(query: Query): BootConfigRequest {
  const macText = first(query, 'mac');
  const mac = macText === undefined ? undefined : normalizeMac(macText);
  const uuidText = first(query, 'uuid')?.toLowerCase();
  const uuid = uuidText !== undefined && UUID.test(uuidText) ? uuidText : undefined;
  const fromArch = archOf(first(query, 'arch'));
  const platform = first(query, 'platform');
  const firmware = (platform && PLATFORM[platform.toLowerCase()]) || fromArch.firmware;
  return {
    loader: 'ipxe',
    ...(mac ? { mac } : {}),
    ...(uuid ? { uuid } : {}),
    ...(fromArch.arch ? { arch: fromArch.arch } : {}),
    ...(firmware ? { firmware } : {}),
    isDefault: !mac && !uuid,
    directory: '',
  };
}

const PATH = '/boot/ipxe';

export const ipxe: BootLoaderRules = {
  name: 'ipxe',
  http: { path: PATH, read: parseIpxeQuery },
  kernel: {
    // `${…}` expands settings and words split on spaces in an iPXE script.
    refuse: (word) =>
      /[\s$]/.test(word) ? 'iPXE scripts cannot carry spaces or `$` in an argument' : word === '||' || word === '&&' ? 'it is an iPXE operator' : undefined,
    quote: kernelQuoted,
    // The script names each initrd it fetched (initrd --name initrdN).
    words: (args, initrds, bootif) => [...initrds.map((_, index) => `initrd=initrd${index}`), ...withBootif(args, bootif)],
    // A relative path is fetched over HTTP from dploy's file root.
    path: (path, base) => (URL_LIKE.test(path) ? path : new URL(path.replace(/^\/+/, ''), base).href),
  },
  pathFor: (mac, place) => `${PATH}?mac=${mac}${place.arch ? `&arch=${place.arch}` : ''}`,
  searchOrder: (who) => [`${PATH}?mac=${who.mac}`],
};

// The pieces pxelinux, GRUB and elilo build their config names from: a UUID,
// the boot NIC's MAC (01-aa-bb-… or with colons), the IPv4 address in hex.

import { normalizeMac } from '../../model/mac.js';
import type { BootConfigRequest } from '../boot-request.js';
import { hexToIpv4, ipv4ToHex } from '../hex-ip.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DASHED_MAC = /^01-(?:[0-9a-f]{2}-){5}[0-9a-f]{2}$/;
export const COLON_MAC = /^(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;
const HEX_IP = /^[0-9A-F]{1,8}$/;

export type NameIdentity = Pick<BootConfigRequest, 'mac' | 'uuid' | 'ip' | 'ipHexPrefix'>;

/** The identity a name suffix carries: UUID, 01-MAC (or GRUB's colon form), hex IP. */
export function nameIdentity(suffix: string, colonMacAllowed: boolean): NameIdentity | undefined {
  if (UUID.test(suffix)) return { uuid: suffix };
  if (DASHED_MAC.test(suffix)) return { mac: normalizeMac(suffix.slice(3)) };
  if (colonMacAllowed && COLON_MAC.test(suffix)) return { mac: normalizeMac(suffix) };
  if (HEX_IP.test(suffix)) return suffix.length === 8 ? { ip: hexToIpv4(suffix) } : { ipHexPrefix: suffix };
  return undefined;
}

/** pxelinux's BOOTIF form, 01-aa-bb-cc-dd-ee-ff (01: Ethernet's ARP hardware type). */
export function dashedMac(mac: string): string {
  return `01-${mac.toLowerCase().replace(/:/g, '-')}`;
}

export function requireHex(ip: string): string {
  const hex = ipv4ToHex(ip);
  if (!hex) throw new RangeError(`not an IPv4 address: ${ip}`);
  return hex;
}

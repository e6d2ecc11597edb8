// MAC addresses arrive as 52:54:00:AB:CD:EF, 52-54-00-ab-cd-ef (pxelinux),
// 5254.00ab.cdef (Cisco) or bare hex. dploy keeps one form: lower case, colons.

const HEX12 = /^[0-9a-f]{12}$/;

export function normalizeMac(input: string): string | undefined {
  const hex = input
    .trim()
    .toLowerCase()
    .replace(/[:.\-]/g, '');
  if (!HEX12.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

/** Broadcast, all-zero and multicast MACs never identify a machine's NIC. */
export function isUsableMac(mac: string): boolean {
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return false;
  const firstOctet = parseInt(mac.slice(0, 2), 16);
  return (firstOctet & 1) === 0;
}

/**
 * The MAC of a BOOTIF value, `01-aa-bb-cc-dd-ee-ff` as pxelinux's IPAPPEND 2
 * writes it: the leading 01 is the ARP hardware type (Ethernet, RFC 1700).
 * Anything else (InfiniBand's 20-octet form, garbage) is undefined.
 */
export function macOfBootif(value: string): string | undefined {
  const match = /^01-((?:[0-9a-f]{2}-){5}[0-9a-f]{2})$/i.exec(value.trim());
  return match ? normalizeMac(match[1]!) : undefined;
}

// IPv4 addresses as boot loaders spell them in file names: eight upper-case
// hex digits, 192.168.2.91 -> C0A8025B (pxelinux, GRUB, elilo alike).

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipv4ToHex(ip: string): string | undefined {
  const match = DOTTED.exec(ip);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return octets.map((octet) => octet.toString(16).toUpperCase().padStart(2, '0')).join('');
}

export function hexToIpv4(hex: string): string | undefined {
  if (!/^[0-9A-F]{8}$/.test(hex)) return undefined;
  return (hex.match(/../g) ?? []).map((pair) => parseInt(pair, 16)).join('.');
}

/** C0A8025B, C0A8025, … C: the whole address, then one digit less each time. */
export function hexPrefixes(hex: string): string[] {
  return Array.from({ length: hex.length }, (_, index) => hex.slice(0, hex.length - index));
}

// The DHCP tests run the servers' real programs. A missing one is a failure
// that names the apt-get line, never a silent skip.

import { accessSync, constants } from 'node:fs';

export const DHCP_TOOLS = {
  isc: { path: '/usr/sbin/dhcpd', debianPackage: 'isc-dhcp-server' },
  kea: { path: '/usr/sbin/kea-dhcp4', debianPackage: 'kea-dhcp4-server' },
  dnsmasq: { path: '/usr/sbin/dnsmasq', debianPackage: 'dnsmasq-base' },
  udhcpc: { path: '/usr/sbin/udhcpc', debianPackage: 'udhcpc' },
  ip: { path: '/usr/sbin/ip', debianPackage: 'iproute2' },
} as const;

export function requireTool(tool: keyof typeof DHCP_TOOLS): void {
  const { path, debianPackage } = DHCP_TOOLS[tool];
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: apt-get install -y ${debianPackage}`);
  }
}

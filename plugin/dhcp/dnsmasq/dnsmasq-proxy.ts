// Proxy-DHCP: for sites whose DHCP server dploy (and its admin) cannot touch.
// The site's server keeps handing out addresses; dnsmasq on dploy's machine
// answers only PXE clients (vendor class "PXEClient") with boot information,
// as the PXE 2.1 specification allows (dnsmasq(8), --dhcp-range … proxy and
// --pxe-service). pxe-service matches the client system type from option 93
// itself. UEFI HTTP boot clients (codes 16, 19) do not speak proxy PXE: they
// need the site's DHCP server.

import { CLIENT_ARCHES } from '../client-arch-loaders.js';
import { WRITTEN_BY_DPLOY } from '../provider.js';
import type { ResolvedBootOptions } from '../provider.js';

function serviceLines(boot: ResolvedBootOptions): string[] {
  return CLIENT_ARCHES.flatMap((arch) => {
    if (arch.dnsmasqCsa === undefined) return [];
    return [
      // iPXE gets dploy's script, anything else the loader: no chainload loop.
      `pxe-service=tag:dploy-ipxe,${arch.dnsmasqCsa},dploy,${boot.ipxeScriptUrl}`,
      `pxe-service=tag:!dploy-ipxe,${arch.dnsmasqCsa},dploy,${boot.loaders[arch.key]},${boot.nextServer}`,
    ];
  });
}

export function renderProxyBoot(boot: ResolvedBootOptions): string {
  const network = boot.proxyNetwork!;
  const lines = [
    WRITTEN_BY_DPLOY,
    "# Proxy-DHCP boot snippet: addresses stay with the site's DHCP server; dnsmasq answers PXE clients only.",
    `dhcp-range=${network.address},proxy,${network.netmask}`,
    'dhcp-userclass=set:dploy-ipxe,iPXE',
    "# Boot the menu's only entry at once (timeout 0): no prompt on the console.",
    'pxe-prompt=dploy,0',
    ...serviceLines(boot),
  ];
  return `${lines.join('\n')}\n`;
}

// Links from a host's page to the web consoles of the machine itself, shown
// only when dploy knows the address to reach: the BMC's own web page (iLO,
// iDRAC, any BMC's HTTPS), and on the host's address HP System Management
// Homepage (HTTPS port 2381, where the Array Configuration Utility also
// opens) and Webmin (HTTPS port 10000 as Debian's webmin package sets it).

export interface WebLink {
  label: string;
  url: string;
}

/** A name or an address as a URL's host part: IPv6 in brackets; anything else is not linked. */
function urlHost(address: string): string | undefined {
  const bare = address.split('?')[0]!.trim();
  if (/^[0-9a-fA-F:]+$/.test(bare) && bare.includes(':')) return `[${bare}]`;
  return /^[A-Za-z0-9.-]{1,253}$/.test(bare) ? bare : undefined;
}

/**
 * OCS's computer page for the machine dploy links to hardware.ID `ref` (dploy_hosts.platform_ref): ocsreports'
 * own address for it, index.php?function=computer&head=1&systemid=ID (its config/urls.xml maps "computer" to
 * ms_computer). Undefined without a console URL or a numeric ref.
 */
export function ocsComputerLink(consoleUrl: string | undefined, ref: string | null | undefined): WebLink | undefined {
  if (!consoleUrl || !ref || !/^\d{1,10}$/.test(ref)) return undefined;
  const base = new URL(consoleUrl.endsWith('/') ? consoleUrl : `${consoleUrl}/`);
  return { label: 'OCS computer page', url: new URL(`index.php?function=computer&head=1&systemid=${ref}`, base).href };
}

export function webLinks(bmcAddress: string | undefined | null, hostAddress: string | undefined): WebLink[] {
  const links: WebLink[] = [];
  const bmc = bmcAddress ? urlHost(bmcAddress) : undefined;
  if (bmc) links.push({ label: 'BMC web page', url: `https://${bmc}/` });
  const host = hostAddress ? urlHost(hostAddress) : undefined;
  if (host) {
    links.push({ label: 'System Management Homepage (2381)', url: `https://${host}:2381/` });
    links.push({ label: 'Webmin (10000)', url: `https://${host}:10000/` });
  }
  return links;
}

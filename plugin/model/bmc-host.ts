// Where a BMC is: a host name or an IP literal, nothing else. One check for
// every place an address is accepted (the free-text dploy_hosts.bmc_address of
// `dploy hosts add --bmc`, the host part of `hosts set --bmc ipmi://…`): the
// address ends up in ipmitool's arguments, URLs and the operator's terminal,
// so `;`, spaces, newlines, shell and URL characters never get in.

import { isIP } from 'node:net';

const HOST_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Why `host` is not a BMC's host name, IPv4 or IPv6 address (IPv6 optionally in brackets), or undefined. */
export function bmcHostProblem(host: string): string | undefined {
  const bare = /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
  if (bare !== host) return isIP(bare) === 6 ? undefined : `"${bare.slice(0, 80)}" is not an IPv6 address`;
  if (isIP(host) !== 0) return undefined;
  // All digits and dots but not an IPv4 address (10.0.0.256): a typo, not a name.
  if (HOST_NAME.test(host) && !/^[\d.]+$/.test(host)) return undefined;
  return `${JSON.stringify(host.slice(0, 80))} is not a host name or IP address (letters, digits, dots and inner hyphens; no spaces, ";", newlines or other characters)`;
}

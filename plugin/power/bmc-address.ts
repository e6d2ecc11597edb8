// `ipmi://user@host:port`, the one way an operator names a BMC. Parsed
// strictly: the address ends up as an argument of ipmitool and in URLs, so
// anything beyond a user name, a host name or IP literal and a port is
// refused (no password in the URL, no `;`, spaces, newlines or paths).

import { DployError } from '../errors.js';
import { bmcHostProblem } from '../model/bmc-host.js';
import type { PowerDriverName } from './driver.js';

export const BMC_DRIVERS: readonly PowerDriverName[] = ['ipmi', 'redfish'];
const DEFAULT_PORTS: Record<PowerDriverName, number> = { ipmi: 623, redfish: 443 };

export interface BmcAddress {
  driver: PowerDriverName;
  user: string;
  address: string;
  port: number;
}

const FORM = /^([a-z]+):\/\/([A-Za-z0-9._-]{1,32})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/;

export function parseBmcAddress(text: string): BmcAddress {
  const bad = (why: string) => new DployError('DPLOY_ERR_INVALID_INPUT', `BMC address ${JSON.stringify(text.slice(0, 80))}: ${why}; write it as ${BMC_DRIVERS.join('|')}://user@host[:port]`);
  if (/:[^@/]*@/.test(text.replace(/^[a-z]+:\/\//, ''))) throw bad('a password does not belong in the address (use --bmc-password-file or DPLOY_BMC_PASSWORD)');
  const m = FORM.exec(text);
  if (!m) throw bad('not of the form driver://user@host[:port]');
  const driver = m[1] as PowerDriverName;
  if (!BMC_DRIVERS.includes(driver)) throw bad(`unknown driver "${m[1]}"`);
  const host = m[3]!.startsWith('[') ? m[3]!.slice(1, -1) : m[3]!;
  // FORM takes IPv6 only in brackets (its colons would read as a port).
  if (bmcHostProblem(m[3]!)) throw bad(`"${host}" is not a host name or IP address`);
  const port = m[4] === undefined ? DEFAULT_PORTS[driver] : Number(m[4]);
  if (port < 1 || port > 65535) throw bad(`port ${port} out of range`);
  return { driver, user: m[2]!, address: host, port };
}

export function formatBmcAddress(a: BmcAddress): string {
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  return `${a.driver}://${a.user}@${host}${a.port === DEFAULT_PORTS[a.driver] ? '' : `:${a.port}`}`;
}

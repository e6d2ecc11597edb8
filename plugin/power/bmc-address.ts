// `ipmi://user@host:port`, the one way an operator names a BMC. Parsed
// strictly: the address ends up as an argument of ipmitool and in URLs, so
// anything beyond a user name, a host name or IP literal, a port and the
// known per-BMC options is refused (no password in the URL, no `;`, spaces,
// newlines or paths).
//
// Options (TLS drivers only) say how far to trust that one BMC's TLS:
// `?tls=1.0` for iLO firmware that speaks nothing newer, `?insecure` for a
// lab BMC whose certificate is not checked at all.

import { DployError } from '../errors.js';
import { bmcHostProblem } from '../model/bmc-host.js';
import type { PowerDriverName } from './driver.js';

export const BMC_DRIVERS: readonly PowerDriverName[] = ['ipmi', 'redfish', 'ribcl'];
const DEFAULT_PORTS: Record<PowerDriverName, number> = { ipmi: 623, redfish: 443, ribcl: 443 };
const TLS_DRIVERS: readonly PowerDriverName[] = ['redfish', 'ribcl'];

export interface BmcOptions {
  legacyTls10?: boolean;
  insecure?: boolean;
}

export interface BmcAddress {
  driver: PowerDriverName;
  user: string;
  address: string;
  port: number;
  options?: BmcOptions;
}

const FORM = /^([a-z]+):\/\/([A-Za-z0-9._-]{1,32})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?(?:\?([a-z0-9=.&]{1,64}))?$/;

export function parseBmcAddress(text: string): BmcAddress {
  const bad = (why: string) =>
    new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `BMC address ${JSON.stringify(text.slice(0, 80))}: ${why}; write it as ${BMC_DRIVERS.join('|')}://user@host[:port][?tls=1.0|?insecure]`,
    );
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
  const options = m[5] === undefined ? undefined : parseBmcOptions(m[5], driver, bad);
  return { driver, user: m[2]!, address: host, port, ...(options ? { options } : {}) };
}

/** `tls=1.0&insecure` as stored in dploy_host_bmcs.options and written after `?`. */
export function parseBmcOptions(
  text: string,
  driver: PowerDriverName,
  bad = (why: string) => new DployError('DPLOY_ERR_INVALID_INPUT', `BMC options "${text}": ${why}`),
): BmcOptions {
  if (!TLS_DRIVERS.includes(driver)) throw bad(`${driver} has no options (they are TLS settings: ${TLS_DRIVERS.join(', ')} only)`);
  const options: BmcOptions = {};
  for (const part of text.split('&')) {
    if (part === 'tls=1.0') options.legacyTls10 = true;
    else if (part === 'insecure') options.insecure = true;
    else throw bad(`unknown option "${part}" (known: tls=1.0, insecure)`);
  }
  return options;
}

export function defaultBmcPort(driver: PowerDriverName): number {
  return DEFAULT_PORTS[driver];
}

/** A group's defaults, given piece by piece (`dploy groups set --bmc-driver … --bmc-user …`), under the address's own rules. */
export function parseBmcDefaults(d: {
  driver: string;
  user: string;
  port?: string;
  options?: string;
}): Omit<BmcAddress, 'address' | 'port'> & { port?: number } {
  const bad = (why: string) => new DployError('DPLOY_ERR_INVALID_INPUT', `BMC defaults: ${why}`);
  const driver = d.driver as PowerDriverName;
  if (!BMC_DRIVERS.includes(driver)) throw bad(`unknown driver "${d.driver.slice(0, 32)}" (known: ${BMC_DRIVERS.join(', ')})`);
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(d.user)) throw bad(`user "${d.user.slice(0, 40)}" must be 1-32 letters, digits, dot, dash or underscore`);
  const port = d.port === undefined ? undefined : Number(d.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw bad(`port ${JSON.stringify(d.port)} out of range`);
  const options = d.options === undefined ? undefined : parseBmcOptions(d.options, driver, bad);
  return { driver, user: d.user, ...(port ? { port } : {}), ...(options ? { options } : {}) };
}

export function formatBmcOptions(o: BmcOptions | undefined): string | undefined {
  const parts = [o?.legacyTls10 ? 'tls=1.0' : '', o?.insecure ? 'insecure' : ''].filter(Boolean);
  return parts.length ? parts.join('&') : undefined;
}

export function formatBmcAddress(a: BmcAddress): string {
  const host = a.address.includes(':') ? `[${a.address}]` : a.address;
  const options = formatBmcOptions(a.options);
  return `${a.driver}://${a.user}@${host}${a.port === DEFAULT_PORTS[a.driver] ? '' : `:${a.port}`}${options ? `?${options}` : ''}`;
}

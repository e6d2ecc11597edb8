// The SMBIOS system UUID (DMI type 1, offset 08h) as dploy stores it: lower
// case, in the form Linux shows in /sys/class/dmi/id/product_uuid and
// dmidecode prints. SMBIOS 2.6 defined the first three fields as
// little-endian (DSP0134 §7.2.1), so the kernel byte-swaps them on SMBIOS
// 2.6+ tables and prints older tables in raw order.
//
// lshw printed the 16 raw bytes in order, upper case, until commit bb82dda
// (March 2020, in the B.02.19 git snapshots Debian ships as
// 02.19.git.2021.06.19); since then it swaps the three fields whatever the
// SMBIOS version and prints lower case. The case of the hex letters tells
// which form a document holds (a UUID of digits only is judged by the lshw
// version in the XML header, else taken as the new form), and the root node's "smbios-X.Y" capability tells which form the
// kernel uses. Both are brought to the kernel's form, so a machine keeps one
// UUID when mindi's lshw is upgraded and matches what its OS reports.

import { isJunkUuid } from './junk-values.js';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * `smbiosVersion` as [major, minor] from lshw's "smbios-2.7" capability (undefined: 2.6 or later);
 * `lshwVersion` from the XML header, e.g. "B.02.12.01" (undefined: not recorded).
 */
export function normalizeSmbiosUuid(raw: string | undefined, smbiosVersion?: readonly [number, number], lshwVersion?: string): string | undefined {
  if (raw === undefined || !UUID.test(raw)) return undefined;
  const rawByteOrder = /[a-fA-F]/.test(raw) ? !/[a-f]/.test(raw) : printsRawBytes(lshwVersion);
  const littleEndianFields = smbiosVersion === undefined || smbiosVersion[0] > 2 || (smbiosVersion[0] === 2 && smbiosVersion[1] >= 6);
  const uuid = (rawByteOrder === littleEndianFields ? swapFirstFields(raw) : raw).toLowerCase();
  return isJunkUuid(uuid) ? undefined : uuid;
}

/** The SMBIOS version lshw saw, from the root node's "smbios-2.7" / "smbios-3.0.0" capability. */
export function smbiosVersionOf(capabilities: ReadonlySet<string>): [number, number] | undefined {
  for (const capability of capabilities) {
    const match = /^smbios-(\d+)\.(\d+)/.exec(capability);
    if (match) return [Number(match[1]), Number(match[2])];
  }
  return undefined;
}

/** lshw releases up to B.02.19 print the raw bytes; Debian's later snapshots record no version. */
function printsRawBytes(lshwVersion: string | undefined): boolean {
  const match = /^B\.02\.(\d+)/.exec(lshwVersion ?? '');
  return match !== null && Number(match[1]) < 20;
}

function swapFirstFields(uuid: string): string {
  const [a, b, c, ...rest] = uuid.split('-') as [string, string, string, ...string[]];
  const reverse = (hex: string) => hex.match(/../g)!.reverse().join('');
  return [reverse(a), reverse(b), reverse(c), ...rest].join('-');
}

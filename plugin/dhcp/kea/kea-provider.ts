// Kea (kea-dhcp4 2.x). Both files are plain JSON arrays, included by the
// admin with Kea's own `<?include "…"?>` directive:
//   "reservations": <?include "/var/lib/dploy/dhcp/kea-reservations.json"?>,
//   "client-classes": <?include "/var/lib/dploy/dhcp/kea-boot-classes.json"?>,
// Reservations at the Dhcp4 level (global reservations) leave the site's own
// per-subnet reservations alone. Classes test option 93 (RFC 4578) with Kea's
// expression language; the iPXE class comes first and every arch class
// excludes it, so no precedence rule between classes is relied upon.

import { resolveBootOptions } from '../boot-options.js';
import { codesFor, isHttpBoot, LOADER_KEYS, loaderTag } from '../client-arch-loaders.js';
import type { LoaderKey } from '../client-arch-loaders.js';
import { checkHostEntries } from '../host-entries.js';
import type { DhcpBootOptions, DhcpFileKind, DhcpHostEntry, DhcpProvider, ResolvedBootOptions, ValidHostEntry } from '../provider.js';
import { checkIncludablePath, runValidator } from '../validation-wrapper.js';
import { DployError } from '../../errors.js';

const IPXE_CLASS = 'dploy-ipxe';
const NOT_IPXE = `not member('${IPXE_CLASS}')`;

type Json = Record<string, unknown>;

function reservation(entry: ValidHostEntry, boot: ResolvedBootOptions): Json {
  const optionData: Json[] = [];
  if (boot.domain !== undefined) optionData.push({ name: 'domain-name', data: boot.domain });
  if (boot.dnsServers.length > 0) optionData.push({ name: 'domain-name-servers', data: boot.dnsServers.join(', ') });
  return {
    'hw-address': entry.mac,
    ...(entry.ip === undefined ? {} : { 'ip-address': entry.ip }),
    hostname: entry.name,
    ...(optionData.length === 0 ? {} : { 'option-data': optionData }),
  };
}

function render(entries: readonly DhcpHostEntry[], options: DhcpBootOptions): string {
  const boot = resolveBootOptions(options);
  return `${JSON.stringify(
    checkHostEntries(entries).map((entry) => reservation(entry, boot)),
    null,
    2,
  )}\n`;
}

function archClass(key: LoaderKey, boot: ResolvedBootOptions): Json {
  const codes = codesFor(key).map((code) => `option[93].hex == 0x${code.toString(16).padStart(4, '0')}`);
  const test = `${NOT_IPXE} and (${codes.join(' or ')})`;
  const name = loaderTag(key);
  if (!isHttpBoot(key)) return { name, test, 'next-server': boot.nextServer, 'boot-file-name': boot.loaders[key] };
  // UEFI HTTP boot: the reply must carry vendor class "HTTPClient" (UEFI spec, HTTP Boot).
  const httpClient = { name: 'vendor-class-identifier', data: 'HTTPClient', 'always-send': true };
  return { name, test, 'boot-file-name': boot.loaders[key], 'option-data': [httpClient] };
}

function renderBoot(options: DhcpBootOptions): string {
  const boot = resolveBootOptions(options);
  if (boot.proxyNetwork !== undefined) {
    throw new DployError('DPLOY_ERR_INVALID_INPUT', 'proxy-DHCP is served by dnsmasq only; Kea is configured directly');
  }
  const classes: Json[] = [
    { name: IPXE_CLASS, test: "option[77].hex == 'iPXE'", 'boot-file-name': boot.ipxeScriptUrl },
    ...LOADER_KEYS.map((key) => archClass(key, boot)),
    {
      // PXE ROMs older than RFC 4578 send no option 93: they are BIOS machines.
      name: 'dploy-pxe-without-arch',
      test: `${NOT_IPXE} and not option[93].exists and substring(option[60].hex, 0, 9) == 'PXEClient'`,
      'next-server': boot.nextServer,
      'boot-file-name': boot.loaders.bios,
    },
  ];
  return `${JSON.stringify(classes, null, 2)}\n`;
}

/** `kea-dhcp4 -t` on a whole config: Kea has no fragment check. */
async function validate(path: string, kind: DhcpFileKind, keaPath: string): Promise<void> {
  const key = kind === 'hosts' ? 'reservations' : 'client-classes';
  const wrapper = [
    '{ "Dhcp4": {',
    '  "lease-database": { "type": "memfile", "persist": false },',
    `  "${key}": <?include "${checkIncludablePath(path)}"?>`,
    '} }',
    '',
  ];
  await runValidator(path, {
    debianPackage: 'kea-dhcp4-server',
    files: { 'kea-dhcp4.conf': wrapper.join('\n') },
    argv: [keaPath, '-t', '{dir}/kea-dhcp4.conf'],
  });
}

export function createKeaProvider(settings: { keaDhcp4Path?: string } = {}): DhcpProvider {
  const keaPath = settings.keaDhcp4Path ?? '/usr/sbin/kea-dhcp4';
  return { name: 'kea', render, renderBoot, validate: (path, kind) => validate(path, kind, keaPath) };
}

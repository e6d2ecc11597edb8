// Which boot loader a PXE client gets, keyed by the client system architecture
// it reports in DHCP option 93 (RFC 4578 §2.1, IANA "Processor Architecture
// Types"). The codes themselves, and what each means, live once in
// plugin/boot/client-arch.ts; this file only says which of dploy's DHCP
// loader settings serves each of them.

import { CLIENT_ARCHITECTURES, type ClientArchitecture } from '../boot/client-arch.js';

export type LoaderKey = 'bios' | 'efiIa32' | 'efiX64' | 'efiArm64' | 'efiIa64' | 'httpX64' | 'httpArm64';

export interface ClientArch {
  /** Option 93 value. */
  code: number;
  key: LoaderKey;
  label: string;
  /** dnsmasq's name for the code in pxe-service= (proxy-DHCP); HTTP boot clients never use proxy PXE. */
  dnsmasqCsa?: string;
}

/** dnsmasq's client system architecture names (dnsmasq(8), --pxe-service). */
const DNSMASQ_CSA: Readonly<Record<number, string>> = { 0: 'x86PC', 2: 'IA64_EFI', 6: 'IA32_EFI', 7: 'BC_EFI', 9: 'x86-64_EFI', 11: 'ARM64_EFI' };

/** The loader setting for an architecture; undefined where dploy's DHCP files offer none (32-bit ARM, IA32 HTTP boot). */
function loaderKeyOf(a: ClientArchitecture): LoaderKey | undefined {
  if (a.firmware === 'bios') return 'bios';
  if (a.http) return a.arch === 'x86_64' ? 'httpX64' : a.arch === 'aarch64' ? 'httpArm64' : undefined;
  return ({ ia64: 'efiIa64', i386: 'efiIa32', x86_64: 'efiX64', aarch64: 'efiArm64' } as Partial<Record<string, LoaderKey>>)[a.arch];
}

/** Every option 93 value dploy's DHCP files answer, in code order; x64 UEFI firmware sends 7 or 9. */
export const CLIENT_ARCHES: readonly ClientArch[] = CLIENT_ARCHITECTURES.flatMap((a) => {
  const key = loaderKeyOf(a);
  if (!key) return [];
  const dnsmasqCsa = DNSMASQ_CSA[a.code];
  return [{ code: a.code, key, label: a.name, ...(dnsmasqCsa ? { dnsmasqCsa } : {}) }];
});

/** Loader keys in the order the generated files test them; HTTP boot keys carry URLs. */
export const LOADER_KEYS: readonly LoaderKey[] = ['bios', 'efiIa64', 'efiIa32', 'efiX64', 'efiArm64', 'httpX64', 'httpArm64'];

export function isHttpBoot(key: LoaderKey): boolean {
  return key === 'httpX64' || key === 'httpArm64';
}

/** The dnsmasq tag / Kea class name for a loader: efiX64 → dploy-efi-x64. */
export function loaderTag(key: LoaderKey): string {
  return `dploy-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function codesFor(key: LoaderKey): number[] {
  return CLIENT_ARCHES.filter((arch) => arch.key === key).map((arch) => arch.code);
}

/**
 * Defaults: pxelinux for BIOS, GRUB for UEFI (shimx64.efi for Secure Boot,
 * undionly.kpxe / ipxe.efi to chainload iPXE are one setting away), elilo on
 * Itanium. UEFI HTTP boot clients (codes 16, 19) fetch the same GRUB image by
 * URL from dploy's HTTP server.
 */
export function defaultLoaders(httpBaseUrl: string): Record<LoaderKey, string> {
  return {
    bios: 'pxelinux.0',
    efiIa64: 'elilo.efi',
    efiIa32: 'grubia32.efi',
    efiX64: 'grubx64.efi',
    efiArm64: 'grubaa64.efi',
    httpX64: `${httpBaseUrl}/boot/files/grubx64.efi`,
    httpArm64: `${httpBaseUrl}/boot/files/grubaa64.efi`,
  };
}

/**
 * What an iPXE client (user class "iPXE", option 77) is given instead of a
 * loader: dploy's script URL. Handing it a loader again would chainload iPXE
 * forever. iPXE expands ${netX/mac} itself before fetching: netX is the NIC
 * it last opened, the one that booted (net0 is only the first NIC).
 */
export function ipxeScriptUrl(httpBaseUrl: string): string {
  return `${httpBaseUrl}/boot/ipxe?mac=\${netX/mac}`;
}

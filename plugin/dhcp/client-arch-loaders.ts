// Which boot loader a PXE client gets, keyed by the client system architecture
// it reports in DHCP option 93 (RFC 4578 §2.1, IANA "Processor Architecture
// Types"). The same codes are mapped in plugin/boot/client-arch.ts, written in
// parallel; the lead folds the two maps into one later. Keep the codes in step.

export type LoaderKey = 'bios' | 'efiIa32' | 'efiX64' | 'efiArm64' | 'efiIa64' | 'httpX64' | 'httpArm64';

export interface ClientArch {
  /** Option 93 value. */
  code: number;
  key: LoaderKey;
  label: string;
  /** dnsmasq's name for the code in pxe-service= (proxy-DHCP); HTTP boot clients never use proxy PXE. */
  dnsmasqCsa?: string;
}

/** Every option 93 value dploy answers; x64 UEFI firmware sends 7 or 9 (RFC 4578 names 7 "EFI BC", 9 "EFI x86-64"). */
export const CLIENT_ARCHES: readonly ClientArch[] = [
  { code: 0, key: 'bios', label: 'x86 BIOS', dnsmasqCsa: 'x86PC' },
  { code: 2, key: 'efiIa64', label: 'EFI Itanium', dnsmasqCsa: 'IA64_EFI' },
  { code: 6, key: 'efiIa32', label: 'EFI IA32', dnsmasqCsa: 'IA32_EFI' },
  { code: 7, key: 'efiX64', label: 'EFI x64 (BC)', dnsmasqCsa: 'BC_EFI' },
  { code: 9, key: 'efiX64', label: 'EFI x64', dnsmasqCsa: 'x86-64_EFI' },
  { code: 11, key: 'efiArm64', label: 'EFI ARM64', dnsmasqCsa: 'ARM64_EFI' },
  { code: 16, key: 'httpX64', label: 'UEFI HTTP boot x64' },
  { code: 19, key: 'httpArm64', label: 'UEFI HTTP boot ARM64' },
];

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
    httpX64: `${httpBaseUrl}/tftp/grubx64.efi`,
    httpArm64: `${httpBaseUrl}/tftp/grubaa64.efi`,
  };
}

/**
 * What an iPXE client (user class "iPXE", option 77) is given instead of a
 * loader: dploy's script URL. Handing it a loader again would chainload iPXE
 * forever. iPXE expands ${net0/mac} itself before fetching.
 */
export function ipxeScriptUrl(httpBaseUrl: string): string {
  return `${httpBaseUrl}/boot/ipxe?mac=\${net0/mac}`;
}

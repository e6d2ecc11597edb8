// DHCP option 93, Client System Architecture Type (RFC 4578 §2.1), read with
// the IANA "Processor Architecture Types" registry that superseded its table.
// RFC 4578 printed 7 = EFI BC and 9 = EFI x86-64; an erratum (March 2016)
// swapped them to match IANA and EDK2 (7 = x64 UEFI, 9 = EBC). Firmware
// written to the old text still sends 9 from x64 machines, and EBC is no
// boot target, so 9 is served as x64 UEFI like 7 (iPXE, MAAS and Foreman do
// the same). The DHCP writers import this table to choose the boot file.

import type { Architecture } from '../model/inventory.js';
import type { Firmware } from '../model/host.js';
import type { BootLoader } from './boot-request.js';

export interface ClientArchitecture {
  /** Option 93 value. */
  code: number;
  /** The IANA registry's own words. */
  name: string;
  firmware: Firmware;
  arch: Architecture;
  /** True for UEFI HTTP Boot (codes 15–20): the DHCP answer carries a URL. */
  http: boolean;
  /** Which config renderer the loader below asks. */
  loader: BootLoader;
  /** First file the firmware fetches (Secure Boot shim where one exists). */
  bootFile: string;
  /** The loader the shim chains to, when bootFile is a shim. */
  secondStage?: string;
  /** iPXE binary to chain instead (Debian package ipxe ships x86 ones only). */
  ipxeFile?: string;
}

const x64Uefi = { firmware: 'uefi', arch: 'x86_64', loader: 'grub', bootFile: 'shimx64.efi', secondStage: 'grubx64.efi', ipxeFile: 'ipxe.efi' } as const;
const arm64Uefi = { firmware: 'uefi', arch: 'aarch64', loader: 'grub', bootFile: 'shimaa64.efi', secondStage: 'grubaa64.efi' } as const;

const TABLE: readonly ClientArchitecture[] = [
  { code: 0, name: 'x86 BIOS', firmware: 'bios', arch: 'x86_64', http: false, loader: 'pxelinux', bootFile: 'pxelinux.0', ipxeFile: 'undionly.kpxe' },
  { code: 2, name: 'Itanium', firmware: 'uefi', arch: 'ia64', http: false, loader: 'elilo', bootFile: 'elilo.efi' },
  { code: 6, name: 'x86 UEFI', firmware: 'uefi', arch: 'i386', http: false, loader: 'grub', bootFile: 'grubia32.efi' },
  { code: 7, name: 'x64 UEFI', http: false, ...x64Uefi },
  { code: 9, name: 'EBC (sent by x64 UEFI firmware following the original RFC 4578 text)', http: false, ...x64Uefi },
  { code: 10, name: 'ARM 32-bit UEFI', firmware: 'uefi', arch: 'armhf', http: false, loader: 'grub', bootFile: 'grubarm.efi' },
  { code: 11, name: 'ARM 64-bit UEFI', http: false, ...arm64Uefi },
  { code: 15, name: 'x86 uefi boot from http', firmware: 'uefi', arch: 'i386', http: true, loader: 'grub', bootFile: 'grubia32.efi' },
  { code: 16, name: 'x64 uefi boot from http', http: true, ...x64Uefi },
  { code: 18, name: 'arm uefi 32 boot from http', firmware: 'uefi', arch: 'armhf', http: true, loader: 'grub', bootFile: 'grubarm.efi' },
  { code: 19, name: 'arm uefi 64 boot from http', http: true, ...arm64Uefi },
];

const BY_CODE = new Map(TABLE.map((entry) => [entry.code, entry]));

/** Every architecture dploy can boot, in code order (docs/pxe.md "Architecture matrix"). */
export const CLIENT_ARCHITECTURES: readonly ClientArchitecture[] = TABLE;

/** undefined for codes dploy has no loader for (PowerPC, s390, RISC-V, deprecated types). */
export function clientArchitecture(code: number): ClientArchitecture | undefined {
  return BY_CODE.get(code);
}

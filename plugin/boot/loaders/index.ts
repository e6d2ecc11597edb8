// The boot loaders dploy answers, one file each. Adding a loader (U-Boot, the
// Raspberry Pi firmware) is its file, one line here and its name in the
// BootLoader union (boot-request.ts, kept a leaf so no type circles through
// here), plus its templates in pxe/boot/<loader>/. The order is the order a TFTP name is offered to them:
// the first loader that claims a name reads it.

import { elilo } from './elilo.js';
import { grub } from './grub.js';
import { ipxe } from './ipxe.js';
import type { BootLoader } from '../boot-request.js';
import type { BootLoaderRules } from './loader.js';
import { pxelinux } from './pxelinux.js';

export const LOADERS: { readonly [name in BootLoader]: BootLoaderRules } = { pxelinux, grub, elilo, ipxe };

export type { BootLoader };

export const BOOT_LOADERS = Object.keys(LOADERS) as readonly BootLoader[];

export function loaderRules(loader: BootLoader): BootLoaderRules {
  return LOADERS[loader];
}

export type { BootIdentity, BootLoaderRules, LoaderPlace, RequestedName } from './loader.js';
export { eliloSearchOrder } from './elilo.js';
export { grubSearchOrder } from './grub.js';
export { parseIpxeQuery } from './ipxe.js';
export { pxelinuxSearchOrder } from './pxelinux.js';

// GRUB 2, EFI and BIOS alike (2.06+, grub-core/net/net.c
// grub_net_search_config_file, per interface): $prefix/grub.cfg-UUID (only
// when DHCP gave option 97), grub.cfg-01-MAC, grub.cfg-HEXIP shortened 8
// times, then $prefix/grub.cfg. Foreman's grub.cfg also loads the colon MAC
// form ($net_default_mac), which is read too.

import { hexPrefixes } from '../hex-ip.js';
import { tftpOnly, withBootif } from './kernel-words.js';
import type { BootIdentity, BootLoaderRules } from './loader.js';
import { dashedMac, nameIdentity, requireHex } from './name-parts.js';

const CONFIG = 'grub.cfg';
const DEFAULT_PREFIX = '/grub';

/** `prefix` is GRUB's $prefix as a TFTP path, e.g. `/grub` or `/boot/grub`. */
export function grubSearchOrder(who: BootIdentity, prefix = DEFAULT_PREFIX): string[] {
  const config = `${prefix}/${CONFIG}`;
  const suffixes = [...(who.uuid ? [who.uuid] : []), dashedMac(who.mac), ...hexPrefixes(requireHex(who.ip))];
  return [...suffixes.map((suffix) => `${config}-${suffix}`), config];
}

export const grub: BootLoaderRules = {
  name: 'grub',
  tftp: {
    claims: ({ name }) => name === CONFIG || name.startsWith(`${CONFIG}-`),
    read({ name, directories }) {
      const directory = directories.join('/');
      if (name === CONFIG) return { loader: 'grub', isDefault: true, directory };
      const who = nameIdentity(name.slice(`${CONFIG}-`.length), true);
      return who && { loader: 'grub', ...who, isDefault: false, directory };
    },
  },
  kernel: {
    // A GRUB script word in single quotes: `;`, `$`, `|`, `{` are literal, and GRUB quotes a word with spaces for the kernel.
    quote: (word) => `'${word}'`,
    words: (args, _initrds, bootif) => withBootif(args, bootif),
    // GRUB's paths are absolute on the TFTP server ($root is (tftp)).
    path: (path, _base, owner, fail) => {
      const tftp = tftpOnly('grub', path, owner, fail);
      return tftp.startsWith('/') ? tftp : `/${tftp}`;
    },
  },
  pathFor: (mac, place) => `${place.grubPrefix ?? DEFAULT_PREFIX}/${CONFIG}-${dashedMac(mac)}`,
  searchOrder: (who, place) => grubSearchOrder(who, place.grubPrefix),
};

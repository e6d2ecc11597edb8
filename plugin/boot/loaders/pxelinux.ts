// pxelinux (also lpxelinux.0 and syslinux.efi, which share its code). Debian
// syslinux-common /usr/share/doc/syslinux-common/asciidoc/pxelinux.txt.gz,
// "Configuration filename": UUID, 01-MAC, hex IP shortened one digit at a
// time, `default`, all under `pxelinux.cfg/` in the loader's directory.

import { hexPrefixes } from '../hex-ip.js';
import { kernelQuoted } from './kernel-words.js';
import type { BootIdentity, BootLoaderRules } from './loader.js';
import { dashedMac, nameIdentity, requireHex } from './name-parts.js';

const CONFIG_DIR = 'pxelinux.cfg';

export function pxelinuxSearchOrder(who: BootIdentity, directory = ''): string[] {
  const base = directory ? `${directory}/${CONFIG_DIR}/` : `${CONFIG_DIR}/`;
  const names = [...(who.uuid ? [who.uuid] : []), dashedMac(who.mac), ...hexPrefixes(requireHex(who.ip)), 'default'];
  return names.map((name) => base + name);
}

export const pxelinux: BootLoaderRules = {
  name: 'pxelinux',
  firmware: 'bios',
  tftp: {
    claims: ({ directories }) => directories.at(-1) === CONFIG_DIR,
    read({ name, directories }) {
      const directory = directories.slice(0, -1).join('/');
      if (name === 'default') return { loader: 'pxelinux', isDefault: true, directory };
      const who = nameIdentity(name, false);
      return who && { loader: 'pxelinux', ...who, isDefault: false, directory };
    },
  },
  kernel: {
    quote: kernelQuoted,
    // IPAPPEND 2 adds BOOTIF; several initrds are one comma-separated initrd= (syslinux.cfg APPEND).
    words(args, initrds, _bootif, owner, fail) {
      if (initrds.some((path) => path.includes(','))) fail(`pxelinux initrd paths for ${owner} cannot contain commas`);
      return [...(initrds.length ? [`initrd=${initrds.join(',')}`] : []), ...args];
    },
    path: (path) => path,
  },
  pathFor: (mac, place) => `${place.directory ? `${place.directory}/` : ''}${CONFIG_DIR}/${dashedMac(mac)}`,
  searchOrder: (who, place) => pxelinuxSearchOrder(who, place.directory),
};

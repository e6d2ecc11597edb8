// The Debian-packaged pieces a network boot needs, and the TFTP root dploy
// serves them from. A missing piece fails with the apt-get command that brings it.

import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian 12's netboot installer tree, laid out as in netboot.tar.gz (debian-installer/amd64/…). */
const DI = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64';

const NEEDED: ReadonlyArray<[path: string, pkg: string]> = [
  ['/usr/bin/qemu-system-x86_64', 'qemu-system-x86'],
  ['/usr/lib/ipxe/qemu/pxe-virtio.rom', 'ipxe-qemu'],
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', 'ovmf'],
  [`${DI}/linux`, 'debian-installer-12-netboot-amd64'],
  ['/usr/lib/PXELINUX/pxelinux.0', 'pxelinux'],
  ['/usr/lib/syslinux/modules/bios/ldlinux.c32', 'syslinux-common'],
  ['/usr/sbin/dnsmasq', 'dnsmasq-base'],
  ['/usr/bin/curl', 'curl'],
  ['/usr/bin/ss', 'iproute2'],
];

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** Throws the exact commands to run when this machine cannot run the e2e test. */
export function checkPrerequisites(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the PXE e2e test creates a network namespace and a tap device: run it as root, e.g. sudo node --import tsx --test test/e2e/pxe-boot.test.ts',
    );
  }
  const missing = [...new Set(NEEDED.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg))];
  if (missing.length > 0) throw new Error(`missing Debian packages: apt-get install -y --no-install-recommends ${missing.join(' ')}`);
}

/**
 * Fills dploy's TFTP root with what the loaders fetch as static files. Per-MAC
 * configs are NOT written: they must come from dploy's live route. The decoy
 * `default` and `grub.cfg` boot the installer with a URL nobody serves, so a
 * fall-through to the static root shows in dploy's HTTP log as a 404.
 */
export function layTftpRoot(root: string, decoyUrl: string): void {
  mkdirSync(join(root, 'pxelinux.cfg'), { recursive: true });
  copyFileSync('/usr/lib/PXELINUX/pxelinux.0', join(root, 'pxelinux.0'));
  copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', join(root, 'ldlinux.c32'));
  cpSync(DI, join(root, 'debian-installer', 'amd64'), { recursive: true });
  // dploy's DHCP snippet hands x64 UEFI clients "grubx64.efi" from the root (docs/dhcp.md).
  copyFileSync(join(DI, 'grubx64.efi'), join(root, 'grubx64.efi'));
  const decoyArgs = `auto=true priority=critical url=${decoyUrl}`;
  writeFileSync(
    join(root, 'pxelinux.cfg', 'default'),
    `DEFAULT decoy\nPROMPT 0\nTIMEOUT 1\nLABEL decoy\n  KERNEL debian-installer/amd64/linux\n  APPEND initrd=debian-installer/amd64/initrd.gz ${decoyArgs}\n`,
  );
  const decoyEntry = `menuentry 'decoy: the static grub.cfg' {\n  linux /debian-installer/amd64/linux ${decoyArgs}\n  initrd /debian-installer/amd64/initrd.gz\n}\n`;
  // Upstream GRUB built with a TFTP $prefix (e.g. /grub) searches grub.cfg-01-<mac> itself:
  // there a fall-through lands on this decoy.
  mkdirSync(join(root, 'grub'), { recursive: true });
  writeFileSync(join(root, 'grub', 'grub.cfg'), `set timeout=1\n${decoyEntry}`);
  // Debian 12's signed netboot grubx64.efi (the one d-i ships, handed out here) has $prefix
  // /debian-installer/amd64/grub built in, and its built-in (memdisk) config only
  // sources $prefix/grub.cfg: it never asks a per-MAC name by itself. A site using it hands over
  // to dploy's live per-MAC file from that grub.cfg, as Foreman's does (docs/pxe.md:
  // dploy answers grub.cfg-<mac with colons>); when dploy has nothing, the decoy boots.
  const debianGrub = join(root, 'debian-installer', 'amd64', 'grub');
  mkdirSync(debianGrub, { recursive: true });
  writeFileSync(
    join(debianGrub, 'grub.cfg'),
    `set timeout=1\necho "site grub.cfg: asking dploy for $prefix/grub.cfg-$net_default_mac"\nconfigfile "$prefix/grub.cfg-$net_default_mac"\n${decoyEntry}`,
  );
  execFileSync('chmod', ['-R', 'a+rX', root]);
}

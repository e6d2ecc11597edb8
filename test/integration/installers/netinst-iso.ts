// Debian netinst ISOs built with xorriso around the real installer kernel
// and initrd of Debian's debian-installer-12-netboot-amd64 package, in the
// layout of debian-<version>-amd64-netinst.iso (.disk/info, install.amd/, dists/).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NETBOOT = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64';

/** A netinst ISO in the layout and with the .disk/info line of debian-<version>-amd64-netinst.iso. */
export function buildDebianIso(dir: string, version: string, codename: string, initrd: Buffer): string {
  const tree = join(dir, `netinst-${version}`);
  mkdirSync(join(tree, '.disk'), { recursive: true });
  mkdirSync(join(tree, 'install.amd'), { recursive: true });
  mkdirSync(join(tree, 'dists', codename.toLowerCase(), 'main', 'binary-amd64'), { recursive: true });
  writeFileSync(join(tree, '.disk', 'info'), `Debian GNU/Linux ${version} "${codename}" - Official amd64 NETINST with firmware 20241109-11:05`);
  writeFileSync(
    join(tree, 'dists', codename.toLowerCase(), 'Release'),
    `Origin: Debian\nLabel: Debian\nVersion: ${version}\nCodename: ${codename.toLowerCase()}\nArchitectures: amd64\nComponents: main\n`,
  );
  copyFileSync(`${NETBOOT}/linux`, join(tree, 'install.amd', 'vmlinuz'));
  writeFileSync(join(tree, 'install.amd', 'initrd.gz'), initrd);
  const iso = join(dir, `debian-${version}-amd64-netinst.iso`);
  const made = spawnSync('xorriso', ['-as', 'mkisofs', '-r', '-J', '-V', `Debian ${version} amd64 n`, '-o', iso, tree], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return iso;
}

// What a machine's boot entry makes it fetch: the kernel and initrds its boot
// state names (the same image callback the rendered entry uses), sized from
// the files in the TFTP root, which both TFTP and /boot/files serve. Boot
// waves are sized against it (plugin/power/wave-size.ts). What the installer
// then fetches from a mirror is not counted: it depends on the package set
// and is known only once the install has run.

import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Host } from '../model/host.js';
import type { BootVariables } from './boot-inputs.js';

/**
 * Bytes of the host's kernel and initrds as its boot state stands now; undefined when it boots none
 * (localboot), its entry cannot be built, or a file is missing or outside the root (an http URL, say).
 * No client address is given, so an install job's entry is not bound by the asking (as `dploy render`).
 */
export async function bootFetchBytes(variables: BootVariables, tftpRoot: string, host: Host): Promise<number | undefined> {
  if (host.bootState.kind === 'localboot') return undefined;
  const image = await variables.image(host.bootState, {
    loader: host.firmware === 'uefi' ? 'grub' : 'pxelinux',
    host,
    ...(host.arch ? { arch: host.arch } : {}),
    ...(host.firmware ? { firmware: host.firmware } : {}),
  });
  const root = resolve(tftpRoot);
  let total = 0;
  for (const name of [image.kernel, ...image.initrds]) {
    const path = resolve(root, name.replace(/^\/+/, ''));
    if (!path.startsWith(root + sep)) return undefined;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    total += info.size;
  }
  return total;
}

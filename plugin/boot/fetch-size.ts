// What a machine's boot entry makes it fetch: the kernel and initrds its boot
// state names (the same image callback the rendered entry uses), sized from
// the files in the TFTP root, which both TFTP and /boot/files serve. Boot
// waves are sized against it (plugin/power/wave-size.ts). What the installer
// then fetches from a mirror is not counted: it depends on the package set
// and is known only once the install has run. Sizes are kept a minute per
// boot image (state, architecture, firmware): a storm of 500 machines of one
// profile builds the entry once, not 500 times.

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
  if (!image) return undefined; // past its network boot: the machine boots its disk
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

/** How long a size is trusted: a re-imported kernel is seen within a minute. */
const KEEP_MS = 60_000;

export class FetchSizes {
  private readonly known = new Map<string, { bytes: number | undefined; at: number }>();

  constructor(
    private readonly variables: BootVariables,
    private readonly tftpRoot: string,
    private readonly now: () => number = Date.now,
  ) {}

  async of(host: Host): Promise<number | undefined> {
    const { kind } = host.bootState;
    const what = host.bootState.kind === 'install' ? host.bootState.profile : host.bootState.kind === 'restore' ? host.bootState.image : '';
    const key = `${kind} ${what} ${host.arch ?? ''} ${host.firmware ?? ''}`;
    const kept = this.known.get(key);
    if (kept && this.now() - kept.at < KEEP_MS) return kept.bytes;
    const bytes = await bootFetchBytes(this.variables, this.tftpRoot, host);
    this.known.set(key, { bytes, at: this.now() });
    return bytes;
  }
}

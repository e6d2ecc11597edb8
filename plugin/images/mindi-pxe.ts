// mindi's PXE restore (MondoRescue's README.pxe): the kernel and initrd of the
// first ISO, booted with the arguments of the ISO's isolinux.cfg plus `pxe`,
// the ISO names' `prefix=`, `ipconf=<dev>:dhcp` and where the ISOs are on the
// network (`netfs=`, mindi 3's name for the older `nfsmount=`). mindi then runs
// mondorestore, which mounts that export and reads <prefix>-N.iso from it.

import { DployError } from '../errors.js';
import type { ImageManifest } from './manifest.js';

/** Why a Mondo image cannot be restored here: mindi reads its ISOs over NFS, which dploy does not serve. */
export const NO_MONDO_NETFS = 'set images.mondoNetfs to the NFS export of the image store (nfs://server:/export/images; docs/images.md)';

/**
 * The arguments of the isolinux.cfg label to boot: `nuke` (mondorestore --nuke, the unattended restore)
 * when the ISO has one, else the default label; `initrd=` words are dropped, the boot entry names its own.
 */
export function isolinuxArgs(cfg: string): string[] {
  const labels = new Map<string, string>();
  let current: string | undefined;
  let preferred: string | undefined;
  for (const raw of cfg.split('\n')) {
    const [keyword = '', ...rest] = raw.trim().split(/\s+/);
    const value = rest.join(' ');
    if (/^default$/i.test(keyword)) preferred = value;
    else if (/^label$/i.test(keyword)) current = value;
    else if (/^append$/i.test(keyword) && current !== undefined && !labels.has(current)) labels.set(current, value);
  }
  const chosen = labels.get('nuke') ?? (preferred !== undefined ? labels.get(preferred) : undefined) ?? [...labels.values()][0] ?? '';
  return chosen.split(/\s+/).filter((word) => word && !/^initrd=/i.test(word));
}

/**
 * The kernel arguments of a Mondo image's restore entry. `netfs` is images.mondoNetfs (the image store as
 * the operator exports it, nfs://server:/export/images); the image's directory under it holds the ISOs.
 */
export function mindiPxeArgs(m: ImageManifest, netfs: string): string[] {
  if (!m.mondo) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `image ${m.name} is not a Mondo image`);
  // mindi names the NIC to configure; the source's primary NIC is the name its own initrd gives it.
  const nic = m.nics?.[0]?.name ?? 'eth0';
  return [...m.mondo.mindi.args, 'pxe', `prefix=${m.mondo.prefix}`, `ipconf=${nic}:dhcp`, `netfs=${netfs.replace(/\/+$/, '')}/${m.name}`];
}

// Which environment a discovery or a restore boots: dploy's own, built by
// `dploy boot-env build` into <tftp.root>/dploy/<debian arch>/, or mindi as
// the operator made it (docs/mindi.md). The default, auto, boots dploy's where
// it is built for the machine's architecture and mindi's otherwise: a new site
// needs no mindi at all, and a site that has only mindi keeps booting it after
// an upgrade. A restore needs dploy-restore and its tools, which only dploy's
// environment is known to carry: it never falls back to mindi by itself.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoverImage, DiscoverImageFor } from '../boot/boot-images.js';
import { DployError } from '../errors.js';
import type { Architecture } from '../model/inventory.js';

export type DiscoverEnvironment = 'auto' | 'dploy' | 'mindi';

export interface DiscoverImageSettings {
  environment: DiscoverEnvironment;
  /** Resolved TFTP root: dploy's environment is at dploy/<arch>/ in it. */
  tftpRoot: string;
  /** Kernel arguments of dploy's environment (boot.bootEnvArgs); dploy adds its own. */
  bootEnvArgs: string;
  /** mindi's kernel, initrd and arguments (boot.discoverKernel/Initrd/Args). */
  mindi: DiscoverImage;
}

/** Architectures dploy's environment is built for, by the kernel's name for them (Debian's, as `boot-env build --arch`). */
const DEBIAN_ARCH: Partial<Record<Architecture, string>> = { x86_64: 'amd64', aarch64: 'arm64', i386: 'i386' };
/**
 * A machine dploy knows nothing of yet asks with no architecture (a BIOS PXE ROM, GRUB's grub.cfg-<MAC>):
 * x86-64 is by far the most likely, and a 32-bit-only machine booted with it stops at the kernel, in plain sight.
 */
const UNKNOWN_ARCH = 'amd64';
/** A build appearing (or being removed) is seen within this long without a filesystem call per boot request. */
const LOOKUP_MS = 5_000;

export function bootEnvironmentDir(tftpRoot: string, debianArch: string): string {
  return join(tftpRoot, 'dploy', debianArch);
}

function builtEnvironments(tftpRoot: string): (debianArch: string) => boolean {
  const seen = new Map<string, { built: boolean; at: number }>();
  return (debianArch) => {
    const now = Date.now();
    const hit = seen.get(debianArch);
    if (hit && now - hit.at < LOOKUP_MS) return hit.built;
    const built = existsSync(join(bootEnvironmentDir(tftpRoot, debianArch), 'manifest.json'));
    seen.set(debianArch, { built, at: now });
    return built;
  };
}

function dployImage(debianArch: string, args: string): DiscoverImage {
  return { kernel: `dploy/${debianArch}/vmlinuz`, initrd: `dploy/${debianArch}/initrd.img`, args };
}

/** What a discovery (and a rescue) boots for a machine of this architecture. */
export function discoverImageFor(s: DiscoverImageSettings): DiscoverImageFor {
  const built = builtEnvironments(s.tftpRoot);
  return ({ arch }) => {
    if (s.environment === 'mindi') return s.mindi;
    const debianArch = arch ? DEBIAN_ARCH[arch] : UNKNOWN_ARCH;
    if (debianArch && (s.environment === 'dploy' || built(debianArch))) return dployImage(debianArch, s.bootEnvArgs);
    return s.mindi;
  };
}

/** What a restore boots: dploy's environment (mindi only when the operator chose mindi, whose build must then carry dploy-restore). */
export function restoreImageFor(s: DiscoverImageSettings): DiscoverImageFor {
  const built = builtEnvironments(s.tftpRoot);
  return ({ arch }) => {
    if (s.environment === 'mindi') return s.mindi;
    const debianArch = arch ? DEBIAN_ARCH[arch] : UNKNOWN_ARCH;
    if (!debianArch) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `dploy's boot environment has no build for ${arch} machines, so they cannot be restored`);
    if (s.environment === 'auto' && !built(debianArch))
      throw new DployError(
        'DPLOY_ERR_BOOT_CONFIG',
        `dploy's boot environment for ${debianArch} is not built (${bootEnvironmentDir(s.tftpRoot, debianArch)}/manifest.json is missing): run dploy boot-env build --arch ${debianArch}`,
      );
    return dployImage(debianArch, s.bootEnvArgs);
  };
}

/** What `dploy serve` says at start about discovery, and a warning when unknown machines would get an entry that cannot boot. */
export function discoveryAtStart(s: DiscoverImageSettings): { discovery: string; warning?: string } {
  const built = existsSync(join(s.tftpRoot, 'dploy'))
    ? readdirSync(join(s.tftpRoot, 'dploy')).filter((arch) => existsSync(join(bootEnvironmentDir(s.tftpRoot, arch), 'manifest.json')))
    : [];
  const mindiThere = existsSync(join(s.tftpRoot, s.mindi.kernel));
  const mindi = `mindi (${s.mindi.kernel}${mindiThere ? '' : ', missing'})`;
  const dploy = `dploy's boot environment (${built.length ? built.join(', ') : 'not built'})`;
  const discovery = s.environment === 'mindi' ? mindi : s.environment === 'dploy' ? dploy : `auto: ${dploy}, else ${mindi}`;
  const fix = 'run dploy boot-env build (docs/images.md) or install mindi (docs/mindi.md)';
  if (s.environment === 'mindi' && !mindiThere) return { discovery, warning: `discovery boots mindi, but ${s.mindi.kernel} is not in the TFTP root: ${fix}` };
  if (s.environment === 'dploy' && !built.length) return { discovery, warning: `discovery boots dploy's boot environment, but none is built: ${fix}` };
  if (s.environment === 'auto' && !built.length && !mindiThere)
    return { discovery, warning: `neither dploy's boot environment nor mindi is in the TFTP root: ${fix}` };
  return { discovery };
}

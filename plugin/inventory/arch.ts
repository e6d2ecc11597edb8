// Instruction-set architecture from what lshw says about the processors and
// the root node. The CPU's capabilities beat the running kernel: a 64-bit
// machine booted on a 32-bit rescue kernel is still installed as x86_64.

import type { Architecture } from '../model/inventory.js';
import type { LshwNode } from './lshw-node.js';

/** `uname -m` from lshw's XML header comment, the last resort. */
const UNAME: Record<string, Architecture> = {
  x86_64: 'x86_64',
  i386: 'i386',
  i486: 'i386',
  i586: 'i386',
  i686: 'i386',
  ia64: 'ia64',
  aarch64: 'aarch64',
  armv7l: 'armhf',
  armv6l: 'armhf',
  ppc64: 'ppc64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
};

export function architectureOf(root: LshwNode, cpus: LshwNode[], unameMachine: string | undefined): Architecture {
  // The common case first, before any text or set is built (this runs for every posted inventory).
  if (cpus.some((c) => c.capabilities.has('x86-64'))) return 'x86_64';
  const text = [root.description, root.product, ...cpus.flatMap((c) => [c.product, c.vendor, c.description, c.version])]
    .filter((s): s is string => s !== undefined)
    .join(' | ');
  const capabilities = new Set(cpus.flatMap((c) => [...c.capabilities]));
  // "lm" is DMI's "64-bit capable" processor characteristic on any architecture, not x86's long mode.
  const wide = root.width === 64 || cpus.some((c) => c.width === 64) || capabilities.has('lm');
  if (capabilities.has('x86-64')) return 'x86_64';
  if (/Itanium/i.test(text)) return 'ia64';
  if (/IBM\/S390/i.test(text) || capabilities.has('zarch')) return 's390x';
  // lshw cannot tell ppc64 from ppc64le (endianness is the kernel's); the header's uname can.
  if (/PowerPC|POWER\d|PPC9\d\d/i.test(text)) return unameMachine === 'ppc64le' ? 'ppc64le' : 'ppc64';
  if (/\bARM|AArch64|Cortex-A/i.test(text) || capabilities.has('neon') || capabilities.has('thumb')) return wide ? 'aarch64' : 'armhf';
  if (/Intel|AMD|Pentium|Athlon|Xeon|Opteron|Celeron|QEMU Virtual CPU/i.test(text)) return wide ? 'x86_64' : 'i386';
  return (unameMachine === undefined ? undefined : UNAME[unameMachine]) ?? 'unknown';
}

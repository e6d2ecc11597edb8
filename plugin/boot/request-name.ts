// TFTP file name -> which loader asks, and for which machine. The path is
// checked here once (segments, length, no `..`); each loader in the registry
// (loaders/index.ts) says which names are its own and reads them. Anything no
// loader claims is not a boot-config name and is left to the next TFTP route.

import type { BootConfigRequest } from './boot-request.js';
import { LOADERS } from './loaders/index.js';

const SEGMENT = /^[A-Za-z0-9._:+-]{1,128}$/;
const TFTP_LOADERS = Object.values(LOADERS).flatMap((loader) => (loader.tftp ? [loader.tftp] : []));

/**
 * Reads a TFTP path. GRUB sends its $prefix with a leading `/`, elilo may use
 * `\`; pxelinux asks relative to its working directory. Returns undefined for
 * anything that is not a boot-config name (kernels, loaders, `..` tricks).
 */
export function parseBootFileName(path: string): BootConfigRequest | undefined {
  if (path.length === 0 || path.length > 512) return undefined;
  const parts = path.replace(/\\/g, '/').replace(/^\/+/, '').split('/');
  if (parts.some((part) => !SEGMENT.test(part) || part === '.' || part === '..')) return undefined;
  const requested = { name: parts.at(-1) ?? '', directories: parts.slice(0, -1) };
  return TFTP_LOADERS.find((tftp) => tftp.claims(requested))?.read(requested);
}

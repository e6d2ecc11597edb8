// Kernel arguments reach boot configs from places dploy does not control
// (host names from inventories, profile fields). Each loader has its own
// syntax, so each word is checked, then written the loader's way; a word that
// cannot be written safely is refused, never silently altered.
// Each loader's own syntax is its `kernel` rules (loaders/). Everywhere: no control characters (newline ends a directive), no quotes or
// backslashes (no loader has a portable escape), ASCII only, and the whole
// line within x86 Linux's COMMAND_LINE_SIZE (2048 bytes incl. NUL).

import { DployError } from '../errors.js';
import type { BootLoader } from './boot-request.js';
import { loaderRules } from './loaders/index.js';

export const MAX_COMMAND_LINE = 2047;

const PRINTABLE = /^[\x20-\x7e]+$/;
const QUOTES = /["'\\]/;

function refuse(word: string, why: string, owner: string): never {
  throw new DployError(
    'DPLOY_ERR_BOOT_CONFIG',
    `cannot write kernel argument ${JSON.stringify(word)} for ${owner}: ${why}; correct the host name or profile that supplies it`,
  );
}

function checkWord(word: string, loader: BootLoader, owner: string): void {
  if (word === '') refuse(word, 'it is empty', owner);
  if (!PRINTABLE.test(word)) refuse(word, 'it contains a control or non-ASCII character', owner);
  if (QUOTES.test(word)) refuse(word, 'it contains a quote or backslash', owner);
  const why = loaderRules(loader).kernel.refuse?.(word);
  if (why) refuse(word, why, owner);
}

function writeWord(word: string, loader: BootLoader, owner: string): string {
  return loaderRules(loader).kernel.quote(word) ?? refuse(word, 'a word with spaces needs the form key=value', owner);
}

/** The words joined as the loader's config file must carry them. `owner` names the host in errors. */
export function formatKernelArgs(words: readonly string[], loader: BootLoader, owner: string): string {
  for (const word of words) checkWord(word, loader, owner);
  const line = words.map((word) => writeWord(word, loader, owner)).join(' ');
  if (line.length > MAX_COMMAND_LINE) {
    refuse(`${line.slice(0, 40)}…`, `the command line is ${line.length} bytes, over ${MAX_COMMAND_LINE}`, owner);
  }
  return line;
}

/** A kernel or initrd path: one word, no spaces, quoted for GRUB. */
export function formatBootPath(path: string, loader: BootLoader, owner: string): string {
  checkWord(path, loader, owner);
  if (path.includes(' ')) refuse(path, 'a file path cannot contain spaces', owner);
  return writeWord(path, loader, owner);
}

/** Names shown in menus and echo lines: anything outside [A-Za-z0-9._-] becomes `_`. */
export function displayName(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return safe === '' ? '_' : safe;
}

// The one place a requested file name becomes a path every route sees.
// Boot loaders disagree on spelling: GRUB prefixes "/", pxelinux asks both
// "pxelinux.cfg/…" and "/pxelinux.cfg/…", some ROMs double slashes. All of
// those name the same file under the TFTP root. Anything that could climb out
// of the root or mean different things to different layers is refused, not
// repaired: "..", backslashes (Windows separators), control bytes, non-ASCII.
// "%2e%2e%2f" is not decoded anywhere, so it is only ever a literal file name.

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** PATH_MAX-ish: no boot loader asks for longer names. */
const MAX_PATH = 1024;

export function normalizeRequestPath(filename: string): PathCheck {
  if (filename.length > MAX_PATH) return { ok: false, reason: 'file name longer than 1024 bytes' };
  if (/[^\x20-\x7e]/.test(filename)) return { ok: false, reason: 'file name has control or non-ASCII bytes' };
  if (filename.includes('\\')) return { ok: false, reason: 'file name has a backslash' };
  const segments: string[] = [];
  for (const segment of filename.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return { ok: false, reason: 'file name has a ".." segment' };
    segments.push(segment);
  }
  if (segments.length === 0) return { ok: false, reason: 'file name names the root itself' };
  return { ok: true, path: segments.join('/') };
}

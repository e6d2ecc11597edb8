// Content-Type of a served file by its name, for what boot and install trees
// hold. Installers and apt read the bytes whatever the type; browsers, proxies
// and `curl -O` users see the right one. Anything else is
// application/octet-stream (RFC 9110 §8.3: the type of unknown data).

const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  cfg: 'text/plain; charset=utf-8',
  ipxe: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml',
  json: 'application/json',
  gz: 'application/gzip',
  xz: 'application/x-xz',
  bz2: 'application/x-bzip2',
  zst: 'application/zstd',
  deb: 'application/vnd.debian.binary-package',
  udeb: 'application/vnd.debian.binary-package',
  rpm: 'application/x-rpm',
  iso: 'application/x-iso9660-image',
  asc: 'application/pgp-signature',
  gpg: 'application/pgp-keys',
};

// Debian's archive files without an extension: Release and Packages indexes are text.
const BY_NAME: Record<string, string> = {
  Release: 'text/plain; charset=utf-8',
  InRelease: 'text/plain; charset=utf-8',
  Packages: 'text/plain; charset=utf-8',
  Sources: 'text/plain; charset=utf-8',
  '.treeinfo': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return BY_NAME[name] ?? (dot > 0 ? BY_EXTENSION[name.slice(dot + 1).toLowerCase()] : undefined) ?? 'application/octet-stream';
}

/** The same rules as pairs for native/http-static.c: "name:<file name>" or "ext:<extension>", then the type. */
export function contentTypeTable(): string[] {
  return [
    ...Object.entries(BY_NAME).flatMap(([name, type]) => [`name:${name}`, type]),
    ...Object.entries(BY_EXTENSION).flatMap(([ext, type]) => [`ext:${ext}`, type]),
  ];
}

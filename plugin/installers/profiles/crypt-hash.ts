// Password hashes in profiles are crypt(3) strings the installers write
// verbatim into /etc/shadow. Policy (docs/profiles.md):
//   $y$ yescrypt, $6$ SHA-512  accepted;
//   $5$ SHA-256                accepted with a warning (weaker than $6$);
//   $1$ MD5, $2?$ bcrypt (not in glibc), DES, plain text  refused.
// A format the release's libc cannot verify (yescrypt on RHEL 8) is refused
// too: the machine would install with a root password nobody can use.

import type { CryptFormat } from '../catalog/catalog-entry.js';

const SALT = '[./A-Za-z0-9]{1,16}';
const FORMATS: Record<CryptFormat, RegExp> = {
  '6': new RegExp(`^\\$6\\$(rounds=\\d{4,9}\\$)?${SALT}\\$[./A-Za-z0-9]{86}$`),
  '5': new RegExp(`^\\$5\\$(rounds=\\d{4,9}\\$)?${SALT}\\$[./A-Za-z0-9]{43}$`),
  y: /^\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{1,86}\$[./A-Za-z0-9]{43}$/,
};
const NAMES: Record<CryptFormat, string> = { '6': 'SHA-512 ($6$)', '5': 'SHA-256 ($5$)', y: 'yescrypt ($y$)' };

export interface HashVerdict {
  format?: CryptFormat;
  error?: string;
  warning?: string;
}

export function judgeHash(hash: string): HashVerdict {
  for (const format of Object.keys(FORMATS) as CryptFormat[]) {
    if (FORMATS[format].test(hash)) {
      return format === '5' ? { format, warning: 'a SHA-256 ($5$) hash is weaker than SHA-512 or yescrypt; prefer "mkpasswd -m sha-512"' } : { format };
    }
  }
  if (/^\$1\$/.test(hash)) return { error: 'an MD5 ($1$) hash is broken; use "mkpasswd -m sha-512" or "mkpasswd -m yescrypt"' };
  if (/^\$2[abxy]?\$/.test(hash)) return { error: 'bcrypt ($2$) is not understood by glibc crypt on these releases; use "mkpasswd -m sha-512"' };
  return { error: 'not a crypt(3) hash dploy accepts: give a SHA-512 ($6$) or yescrypt ($y$) hash, e.g. from "mkpasswd -m sha-512"' };
}

/** The error when a release cannot verify this format, else undefined. */
export function unsupportedBy(format: CryptFormat, supported: readonly CryptFormat[], release: string): string | undefined {
  if (supported.includes(format)) return undefined;
  return `${release} cannot verify a ${NAMES[format]} hash; use ${supported.map((f) => NAMES[f]).join(' or ')}`;
}

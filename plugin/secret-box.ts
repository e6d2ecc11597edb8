// Secrets at rest (password hashes in profiles, BMC passwords, SSH keys) and
// the key job tokens derive from: AES-256-GCM with a 32-byte key read from
// one key file (installers.secretKeyFile). The file is created 0600 with a
// random key on first use; a key file readable by others is refused, since
// anyone who reads it can read every secret.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DployError } from './errors.js';

/** A sealed value: "gcm1:<iv>:<tag>:<ciphertext>", base64url parts. */
const SEALED = /^gcm1:([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function isSealed(value: string): boolean {
  return SEALED.test(value);
}

/** The 32-byte key of the file, created 0600 when missing; other keys are derived from it (job tokens). */
export function readOrCreateKey(path: string): Buffer {
  try {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0)
      throw new DployError(
        'DPLOY_ERR_CONFIG',
        `secret key file ${path} is readable by group or others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 ${path}`,
      );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': never overwrite a key another process just created (its secrets would be lost).
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, randomBytes(32).toString('base64') + '\n');
      closeSync(fd);
      chmodSync(path, 0o600);
    } catch (create) {
      if ((create as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new DployError('DPLOY_ERR_CONFIG', `cannot create secret key file ${path}: ${(create as Error).message}`);
    }
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32)
    throw new DployError('DPLOY_ERR_CONFIG', `secret key file ${path} must hold 32 bytes in base64 (it holds ${key.length}); restore it from backup`);
  return key;
}

export function openSecretBox(keyFile: string): SecretBox {
  const key = readOrCreateKey(keyFile);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `gcm1:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${data.toString('base64url')}`;
    },
    open(sealed) {
      const m = SEALED.exec(sealed);
      if (!m) throw new DployError('DPLOY_ERR_CONFIG', 'a stored secret is not in the sealed format; re-add the profile');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(m[1]!, 'base64url'));
        decipher.setAuthTag(Buffer.from(m[2]!, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(m[3]!, 'base64url')), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new DployError('DPLOY_ERR_CONFIG', `a stored secret does not open with key file ${keyFile} (another key, or the value was altered)`, {
          cause: err,
        });
      }
    },
  };
}

// Console passwords: scrypt from node:crypto (RFC 7914), the parameters kept
// in the stored string so they can be raised later without breaking old
// hashes: "scrypt$ln=15,r=8,p=1$<salt>$<key>" (base64, no padding).
// N = 2^15, r = 8, p = 1 is OWASP's scrypt floor: 32 MiB and ~60-100 ms here.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number, length: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is exactly that at ln=15, so leave room.
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG_N, R, P, KEY_BYTES);
  return `scrypt$ln=${LOG_N},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
}

/** False for a wrong password and for a string that is not such a hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (!match) return false;
  const [, logN, r, p, salt, key] = match;
  const expected = Buffer.from(key!, 'base64');
  if (Number(logN) > 20 || expected.length < 16) return false;
  const actual = await derive(password, Buffer.from(salt!, 'base64'), Number(logN), Number(r), Number(p), expected.length);
  return timingSafeEqual(actual, expected);
}

/** Spent on a login for a user that does not exist, so the answer takes as long as a wrong password. */
export const UNKNOWN_USER_HASH = `scrypt$ln=${LOG_N},r=${R},p=${P}$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(KEY_BYTES))}`;

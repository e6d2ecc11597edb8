// netascii mode (RFC 1350, RFC 764): line ends travel as CR LF and a bare CR
// as CR NUL. The conversion changes the size and every block boundary, so it
// is done on the whole content, and only for content small enough to be text
// (boot configs); larger files are refused with a message saying to use octet.

import { bufferSource } from './route.js';
import type { TftpSource } from './route.js';

export const NETASCII_MAX_BYTES = 4 * 2 ** 20;

const CR = 0x0d;
const LF = 0x0a;

export function toNetascii(bytes: Buffer): Buffer {
  let extra = 0;
  for (const byte of bytes) if (byte === CR || byte === LF) extra++;
  const out = Buffer.allocUnsafe(bytes.length + extra);
  let at = 0;
  for (const byte of bytes) {
    if (byte === LF) {
      out[at++] = CR;
      out[at++] = LF;
    } else if (byte === CR) {
      out[at++] = CR;
      out[at++] = 0;
    } else {
      out[at++] = byte;
    }
  }
  return out;
}

/** The source converted to netascii; the original is closed. */
export async function netasciiSource(source: TftpSource): Promise<TftpSource> {
  try {
    const whole = await source.read(0, source.size);
    return bufferSource(toNetascii(whole));
  } finally {
    await source.close();
  }
}

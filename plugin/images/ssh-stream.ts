// What a capture does over its SSH session, whichever engine runs on the
// source: short probes read whole, and a command's stdout streamed into a
// file of the image store with its SHA-256 computed on the way.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientChannel } from 'ssh2';
import { DployError } from '../errors.js';
import { OutputCap } from '../remote/output-cap.js';
import type { SshSession } from '../remote/ssh-session.js';
import type { StoredFile } from './manifest.js';

const PROBE_CAP = 4 * 1024 * 1024;

/** A short command whose output is read whole (a few KiB; capped against a runaway). `what` names it in the failure. */
export async function probe(session: SshSession, command: string, what = 'layout probe'): Promise<string> {
  const channel = await session.exec(command);
  const out: Buffer[] = [];
  let bytes = 0;
  const err = new OutputCap(16 * 1024);
  channel.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes <= PROBE_CAP) out.push(c);
  });
  channel.stderr.on('data', (c: Buffer) => err.push(c));
  const code = await exitOf(channel);
  if (code !== 0 || bytes > PROBE_CAP)
    throw new DployError(
      'DPLOY_ERR_IMAGE_CAPTURE',
      `${session.who}: ${what} ${bytes > PROBE_CAP ? 'printed too much' : `exited with ${code}`}: ${err.result().text.trim()}`,
    );
  return Buffer.concat(out).toString('utf8');
}

/** Streams the channel's stdout into `file`; its size and SHA-256 (name: the file's base name). */
export async function receiveFile(channel: ClientChannel, file: string): Promise<StoredFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(channel, tee, createWriteStream(file, { mode: 0o640 }));
  return { file: file.slice(file.lastIndexOf('/') + 1), bytes, sha256: hash.digest('hex') };
}

export function exitOf(channel: ClientChannel): Promise<number | null> {
  return new Promise((resolve) => channel.on('close', (code: number | null) => resolve(code ?? null)));
}

// One static file as HTTP answers it, for /boot/files and /mirror (docs/http.md):
// GET and HEAD, strong ETag and Last-Modified with 304 and 412 (conditional-request.ts),
// one byte range with If-Range (byte-range.ts), the type by name (content-type.ts).
// The body leaves by sendfile(2) on the native sender threads when the socket
// allows it (sendfile-engine.ts), else as a stream; either way the event loop
// only writes the head.

import { closeSync, createReadStream, fstatSync, openSync, type Stats } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DployError } from '../errors.js';
import { parseByteRange, type RangeAnswer } from './byte-range.js';
import { evaluatePreconditions, ifRangeHolds, type Validators } from './conditional-request.js';
import { contentTypeOf } from './content-type.js';
import { sendfileEngine } from './sendfile-engine.js';

/** Streamed reads: large enough that a 32 MiB initrd is 32 reads, not 512 (the stream default of 64 KiB). */
const STREAM_CHUNK_BYTES = 1 << 20;

/** Validators of what `stat` saw: the ETag changes with the inode, size or modification time (as nginx's, plus the inode). */
export function validatorsOf(info: Stats): Validators {
  const micros = Math.floor(info.mtimeMs * 1000);
  return { etag: `"${info.ino.toString(16)}-${info.size.toString(16)}-${micros.toString(16)}"`, lastModified: info.mtime };
}

/** What an answer carried: its status and the body bytes handed to the socket (0 for HEAD, 304, 412, 416). */
/** A running total of body bytes sent, kept by the routes from each SentFile (boot waves are sized from it, docs/power.md). */
export interface SentBytes {
  bytes: number;
}

export interface SentFile {
  status: number;
  bytes: number;
}

/**
 * Answers `request` with the file at `path` (already confined by the caller); `what` names it in a 404.
 * Opened and examined on this thread: realpath has just walked the path, so its dentries and inode are
 * in memory and open/fstat cost microseconds, less than a thread-pool round trip each.
 * Resolves once the whole body is handed to the socket; undefined when the answer was cut short (logged here).
 */
export async function sendStaticFile(request: FastifyRequest, reply: FastifyReply, path: string, what: string): Promise<SentFile | undefined> {
  const fd = openSync(path, 'r');
  let streamOwnsFile = false;
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new DployError('DPLOY_ERR_NOT_FOUND', `no ${what}`);
    const v = validatorsOf(info);
    const res = reply.raw;
    reply.hijack();
    const validators = { etag: v.etag, 'last-modified': v.lastModified.toUTCString() };
    const precondition = evaluatePreconditions(request.method, request.headers, v);
    if (precondition !== 'proceed') return headOnly(res.writeHead(precondition === 'not-modified' ? 304 : 412, validators));
    // Range is defined for GET only (RFC 9110 §14.2); a stale If-Range asks for the whole new file.
    const range: RangeAnswer =
      request.method === 'GET' && ifRangeHolds(oneHeader(request.headers['if-range']), v)
        ? parseByteRange(request.headers.range, info.size)
        : { kind: 'whole' };
    const head = { ...validators, 'content-type': contentTypeOf(path), 'accept-ranges': 'bytes' };
    if (range.kind === 'unsatisfiable') return headOnly(res.writeHead(416, { ...head, 'content-range': `bytes */${info.size}`, 'content-length': 0 }));
    const [start, length] = range.kind === 'part' ? [range.start, range.end - range.start + 1] : [0, info.size];
    res.writeHead(range.kind === 'part' ? 206 : 200, {
      ...head,
      'content-length': length,
      ...(range.kind === 'part' ? { 'content-range': `bytes ${range.start}-${range.end}/${info.size}` } : {}),
    });
    if (request.method === 'HEAD' || length === 0) return headOnly(res);
    const byKernel = await sentByKernel(res, fd, start, length);
    if (byKernel !== false) return { status: res.statusCode, bytes: byKernel };
    streamOwnsFile = true;
    await pipeline(createReadStream('', { fd, start, end: start + length - 1, highWaterMark: STREAM_CHUNK_BYTES }), res);
    return { status: res.statusCode, bytes: length };
  } catch (err) {
    // After the head is out the only honest answer left is a cut connection: the client sees a short body.
    if (!reply.sent) throw err;
    request.log.warn({ err: (err as Error).message }, 'static file answer cut short');
    reply.raw.destroy();
    return undefined;
  } finally {
    if (!streamOwnsFile) closeSync(fd);
  }
}

/** The connection, once the answers queued before this one have ended; undefined when it closes first. */
function socketWhenFree(res: ServerResponse): Promise<Socket | undefined> {
  const connection = res.req.socket;
  return new Promise((resolve) => {
    const closed = () => resolve(undefined);
    connection.once('close', closed);
    res.once('socket', (socket: Socket) => {
      connection.off('close', closed);
      resolve(socket);
    });
  });
}

function headOnly(res: ServerResponse): SentFile {
  res.end();
  return { status: res.statusCode, bytes: 0 };
}

const oneHeader = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);

/**
 * The body by sendfile, when the socket is a plain TCP one whose queue is empty once the head is flushed
 * (sendfile writes beside Node's own queue, so anything still queued would land after the body).
 * Resolves with the bytes the kernel took (fewer when the client went away), or false when the caller must stream instead.
 */
async function sentByKernel(res: ServerResponse, file: number, start: number, length: number): Promise<number | false> {
  const engine = sendfileEngine();
  if (!('send' in engine)) return false;
  // A keep-alive client asks again the moment the last byte arrives, often before the sender's end is heard
  // here: Node queues that answer until the previous one ends, and hands it the socket then.
  const socket = res.socket ?? (await socketWhenFree(res));
  if (!socket) return 0; // the client went away while its answer waited
  const fd = engine.socketFd(socket);
  if (fd === undefined) return false;
  engine.cork(fd, true);
  res.flushHeaders();
  if (socket.writableLength > 0) {
    engine.cork(fd, false);
    return false;
  }
  const sending = engine.send(socket, fd, file, start, length);
  const sent = sending === true ? length : await sending;
  res.end();
  return sent;
}

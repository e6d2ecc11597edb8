// The body of a static file answer sent by sendfile(2) on the native sender
// threads (native/http-sendfile.c): no copy through JavaScript, no event-loop
// time per byte. Built by `npm ci` (native/build.mjs); without it, or on a
// TLS socket (the bytes must pass through OpenSSL), the caller streams.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { shipped } from '../package-root.js';

interface Binding {
  create(threads: number, onDone: (id: number, bytesSent: number, error: string | null) => void): object;
  /** null: every byte went at once, on this thread; else the job a sender thread finishes. */
  send(engine: object, id: number, socketFd: number, fileFd: number, offset: number, length: number): object | null;
  abort(job: object): void;
  cork(socketFd: number, on: boolean): void;
}

const ADDON = shipped('build/native/http-sendfile.node');

/** Sends file bytes to sockets: what fits at once on the calling thread, the rest on the sender threads. */
export interface SendfileEngine {
  /** The socket's descriptor when sendfile can write to it (a plain TCP socket on Linux), else undefined. */
  socketFd(socket: Socket): number | undefined;
  /** Holds what is written next (the response head) until the body follows; send() releases it at its end. */
  cork(socketFd: number, on: boolean): void;
  /** True when every byte went at once; else resolves when a sender thread sent the last one, rejects on a socket error. */
  send(socket: Socket, socketFd: number, fileFd: number, offset: number, length: number): true | Promise<number>;
}

let engine: SendfileEngine | { error: string } | undefined;

/** The process's one sendfile engine, or why there is none. Its threads live as long as the process. */
export function sendfileEngine(): SendfileEngine | { error: string } {
  if (engine) return engine;
  if (process.platform !== 'linux') return (engine = { error: 'sendfile senders are built for Linux only' });
  if (!existsSync(ADDON)) return (engine = { error: `${ADDON} is not built (run \`npm run build:native\`; it needs a C compiler)` });
  try {
    engine = nativeEngine(createRequire(import.meta.url)(ADDON) as Binding);
  } catch (err) {
    engine = { error: `${ADDON} does not load: ${(err as Error).message}` };
  }
  return engine;
}

function nativeEngine(binding: Binding): SendfileEngine {
  const pending = new Map<number, { resolve: (sent: number) => void; reject: (err: Error) => void }>();
  // As many senders as cores, at most 4: sendfile on loopback is the kernel copying, one core's work per thread.
  const native = binding.create(Math.min(4, availableParallelism()), (id, sent, error) => {
    const job = pending.get(id);
    pending.delete(id);
    if (error === null) job?.resolve(sent);
    else job?.reject(new Error(`sendfile stopped after ${sent} bytes: ${error}`));
  });
  let nextId = 1;
  return {
    socketFd(socket) {
      // `_handle.fd` is libuv's descriptor of a TCP socket; TLS sockets wrap theirs and have none to write to.
      const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      return typeof fd === 'number' && fd >= 0 && !('encrypted' in socket) ? fd : undefined;
    },
    cork: (socketFd, on) => binding.cork(socketFd, on),
    send(socket, socketFd, fileFd, offset, length) {
      const id = nextId++ >>> 0;
      const job = binding.send(native, id, socketFd, fileFd, offset, length);
      if (job === null) return true;
      return new Promise((resolve, reject) => {
        // The client went away or the server closed the connection: the sender stops at its next write.
        const abort = () => pending.has(id) && binding.abort(job);
        socket.once('close', abort);
        pending.set(id, {
          resolve: (sent) => (socket.off('close', abort), resolve(sent)),
          reject: (err) => (socket.off('close', abort), reject(err)),
        });
      });
    },
  };
}

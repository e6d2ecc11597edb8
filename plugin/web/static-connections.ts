// /mirror requests answered whole on native threads (native/http-static.c):
// every connection the plain HTTP listener accepts goes first to one of those
// threads, which answers its plain GET and HEAD requests for mirror files
// (an install tree's thousands of packages over keep-alive) on every core.
// At the first request it does not answer (another path, a Range or
// conditional header, a name Node must judge, a missing file) it hands the
// connection, that request unread, to Node's HTTP server for good; fastify and
// static-file.ts answer it as before. Without the addon, or on the TLS
// listener, Node gets every connection at once.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { shipped } from '../package-root.js';
import { contentTypeTable } from './content-type.js';

interface Binding {
  create(threads: number, mirrorRoot: string, idleMs: number, types: string[], onEvent: (id: number, kind: number, detail: string) => void): object;
  adopt(engine: object, id: number, socketFd: number): void;
  hangUp(socketFd: number): void;
  stop(engine: object): void;
  answered(engine: object): number;
}

const ADDON = shipped('build/native/http-static.node');
const HANDBACK = 0;
const CLOSED = 1;
const CUT = 2;
const ANSWERED_METRIC = 'dploy_http_mirror_native_answers_total';

type ConnectionListener = (this: Server, socket: Socket) => void;

function loadBinding(): Binding | { error: string } {
  if (process.platform !== 'linux') return { error: 'built for Linux only' };
  if (!existsSync(ADDON)) return { error: `${ADDON} is not built (run \`npm run build:native\`; it needs a C compiler)` };
  try {
    return createRequire(import.meta.url)(ADDON) as Binding;
  } catch (err) {
    return { error: `${ADDON} does not load: ${(err as Error).message}` };
  }
}

/** libuv's descriptor of a plain TCP socket (`_handle.fd`). */
function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Puts the native threads in front of `app`'s HTTP server for files under `mirrorRoot`. Call before listen.
 * Returns why not when the addon is missing; the server then answers everything itself.
 */
export function answerMirrorOnNativeThreads(
  app: FastifyInstance,
  mirrorRoot: string,
  log: FastifyBaseLogger,
  registry: Registry,
): { threads: number } | { error: string } {
  const binding = loadBinding();
  if ('error' in binding) return binding;
  const server = app.server as Server;
  // Node's own handling of a connection: the HTTP server's parser setup, and whatever else listens.
  const nodeListeners = server.listeners('connection') as ConnectionListener[];
  const toNode = (socket: Socket) => {
    for (const listener of nodeListeners) listener.call(server, socket);
    socket.resume();
  };
  const owned = new Map<number, Socket>();
  const threads = Math.min(4, availableParallelism());
  let engine: object;
  try {
    engine = binding.create(threads, mirrorRoot, server.keepAliveTimeout, contentTypeTable(), (id, kind, detail) => {
      const socket = owned.get(id);
      if (kind === CUT)
        return void log.warn({ file: detail.slice(0, detail.indexOf(': ')), err: detail.slice(detail.indexOf(': ') + 2) }, 'static file answer cut short');
      owned.delete(id);
      if (!socket || socket.destroyed) return;
      if (kind === HANDBACK) toNode(socket);
      else if (kind === CLOSED) socket.destroy();
    });
  } catch (err) {
    return { error: (err as Error).message };
  }
  // Fastify's request timing never sees these answers: they are counted here.
  if (!registry.getSingleMetric(ANSWERED_METRIC))
    new Counter({
      name: ANSWERED_METRIC,
      help: 'GET and HEAD requests for /mirror files answered on the native static-file threads (not in dploy_http_request_duration_seconds).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(binding.answered(engine));
      },
    });
  let nextId = 1;
  server.removeAllListeners('connection');
  // Accepted sockets start paused (net.Server's pauseOnConnect): Node reads nothing the threads should see first.
  (server as unknown as { pauseOnConnect: boolean }).pauseOnConnect = true;
  let stopped = false;
  server.on('connection', (socket: Socket) => {
    const fd = socketFd(socket);
    if (fd === undefined || stopped) return toNode(socket);
    const id = nextId++ >>> 0;
    owned.set(id, socket);
    try {
      binding.adopt(engine, id, fd);
    } catch (err) {
      owned.delete(id);
      log.warn({ err: (err as Error).message }, 'a connection could not go to the static-file threads');
      toNode(socket);
    }
  });
  // server.close() waits for every connection: the threads' idle keep-alive ones are closed here, as Node closes its own.
  app.addHook('preClose', (done) => {
    for (const socket of owned.values()) {
      const fd = socketFd(socket);
      if (fd !== undefined) binding.hangUp(fd);
      socket.destroy();
    }
    owned.clear();
    // The threads end with the app (a process that builds several, as tests do, keeps none idle).
    stopped = true;
    binding.stop(engine);
    done();
  });
  return { threads };
}

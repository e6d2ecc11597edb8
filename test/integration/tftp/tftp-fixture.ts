// A dploy TFTP server on 127.0.0.1 port 0 over a scratch root, a logger that
// keeps what was logged, and a raw UDP client for the hostile-input tests.

import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLiveContentRoute, createStaticRootRoute, createTftpServer, FileCache } from '../../../plugin/tftp/index.js';
import type { TftpLogger, TftpRoute, TftpServer, TftpServerOptions } from '../../../plugin/tftp/index.js';

export interface LogLine {
  level: string;
  msg: string;
  obj: object;
}

export function recordingLogger(lines: LogLine[] = []): TftpLogger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (obj: object, msg = '') =>
      void lines.push({ level, msg, obj });
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface Fixture {
  root: string;
  dir: string;
  port: number;
  server: TftpServer;
  log: ReturnType<typeof recordingLogger>;
  files: Map<string, Buffer>;
  close(): Promise<void>;
}

/** Live content used by the tests: a per-MAC pxelinux config, as boot/ will render. */
export const LIVE_CONFIG = 'DEFAULT install\nLABEL install\n  KERNEL vmlinuz\n';
const liveRoute: TftpRoute = createLiveContentRoute('live-test', (path, client) =>
  path === 'pxelinux.cfg/01-52-54-00-12-34-56' ? `${LIVE_CONFIG}# for ${client.address}\n` : undefined,
);

/**
 * The TFTP tests run transfers the way `dploy serve` does by default: the
 * native engine on two threads. TFTP_TEST_WORKERS=0 runs them on the main
 * thread (node:dgram; main-thread-transfers.test.ts runs the suites so) and
 * TFTP_TEST_ENGINE=node on node:dgram worker threads; a test's own options win.
 */
const WORKERS = Number(process.env.TFTP_TEST_WORKERS ?? 2);
const ENGINE = (process.env.TFTP_TEST_ENGINE ?? 'native') as 'native' | 'node';

export async function startFixture(options: Partial<TftpServerOptions> = {}, sizes: Record<string, number> = {}, cache?: FileCache): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-tftp-'));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'pxelinux.cfg'), { recursive: true });
  const files = new Map<string, Buffer>();
  const wanted = { 'pxelinux.0': 45 * 1024, 'pxelinux.cfg/default': 0, ...sizes };
  for (const [name, size] of Object.entries(wanted)) {
    const bytes = size > 0 ? randomBytes(size) : Buffer.from('DEFAULT local\nLABEL local\n  LOCALBOOT 0\n');
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), bytes);
    files.set(name, bytes);
  }
  writeFileSync(join(dir, 'secret'), 'outside the root\n');
  const log = recordingLogger();
  const server = createTftpServer(
    { address: '127.0.0.1', port: 0, workers: WORKERS, engine: ENGINE, ...options },
    [liveRoute, createStaticRootRoute({ root, cache })],
    log,
  );
  const { port } = await server.listen();
  return {
    root,
    dir,
    port,
    server,
    log,
    files,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until no transfer runs. A client exits once it has sent its last ACK;
 * the server counts the transfer when that ACK arrives, which for a transfer
 * in a worker thread is one message later on the main thread.
 */
export async function transfersSettled(server: TftpServer, limitMs = 2000): Promise<void> {
  const until = Date.now() + limitMs;
  while (server.stats().active > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

export interface Packet {
  msg: Buffer;
  rinfo: RemoteInfo;
}

/** A UDP socket that queues what it receives, for tests that speak TFTP by hand. */
export class RawClient {
  private readonly queue: Packet[] = [];
  private waiter: (() => void) | undefined;
  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      this.queue.push({ msg, rinfo });
      this.waiter?.();
    });
  }

  static async open(address = '127.0.0.1'): Promise<RawClient> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new RawClient(socket);
  }

  send(packet: Buffer, port: number, address = '127.0.0.1'): void {
    this.socket.send(packet, port, address);
  }

  /** The next packet, or undefined when none came within `ms`. */
  async next(ms = 2000): Promise<Packet | undefined> {
    if (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift();
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

/** A fixture and one raw client for the body, both closed after it whatever happens. */
export async function withRawClient(options: Partial<TftpServerOptions>, body: (fx: Fixture, client: RawClient) => Promise<void>): Promise<void> {
  const fx = await startFixture(options);
  const client = await RawClient.open(options.address ?? '127.0.0.1');
  try {
    await body(fx, client);
  } finally {
    client.close();
    await fx.close();
  }
}

export function rrq(filename: string, mode = 'octet', options: Record<string, string> = {}): Buffer {
  const fields = [filename, mode, ...Object.entries(options).flat()];
  return Buffer.concat([Buffer.from([0, 1]), ...fields.map((f) => Buffer.from(`${f}\0`, 'latin1'))]);
}

export function ack(block: number): Buffer {
  return Buffer.from([0, 4, (block >> 8) & 0xff, block & 0xff]);
}

export function opcode(packet: Packet | undefined): number {
  return packet ? packet.msg.readUInt16BE(0) : -1;
}

export function errorCode(packet: Packet | undefined): number {
  return packet && opcode(packet) === 5 ? packet.msg.readUInt16BE(2) : -1;
}

// dploy's TFTP service: listeners on port 69 (or 6969 in development) that
// answer read requests through an ordered chain of routes. Read-only by
// design: write requests are refused. See docs/tftp.md.

import type { RemoteInfo, Socket } from 'node:dgram';
import { bindUdp, expandListenAddress } from './listen-addresses.js';
import { widenReceiveBuffer } from './receive-buffer.js';
import type { ReceiveBuffer } from './receive-buffer.js';
import { errorPacket, OP_ACK, OP_DATA, OP_ERROR, OP_OACK, OP_RRQ, OP_WRQ, TFTP_ERROR } from './packet.js';
import type { TftpErrorCode } from './packet.js';
import { serveReadRequest } from './read-request.js';
import type { ReadContext, TftpCounters, TransferRunner } from './read-request.js';
import type { TftpLogger, TftpRoute } from './route.js';
import { addSentCounts } from './sent-counts.js';
import type { SentCounts } from './sent-counts.js';
import { resolveTftpSettings } from './settings.js';
import type { TftpServerOptions } from './settings.js';
import { startTransferRunner } from './transfer-runner.js';
import type { TransferEngine } from './transfer-runner.js';

export interface TftpStats extends TftpCounters {
  /** Transfers running or being opened now. */
  active: number;
  listening: Array<{ address: string; port: number }>;
  /** What runs the transfers: the C engine's threads, node:dgram worker threads, or the main thread alone. */
  engine: TransferEngine;
  /** One entry per transfer thread (tftp.workers); empty when transfers run in-process. */
  workers: Array<{ transfers: number } & SentCounts>;
  /** The listeners' receive buffer as the kernel granted it (the first listener's; all ask the same). */
  receiveBuffer: ReceiveBuffer | undefined;
}

export interface TftpServer {
  /** Binds every listener; with port 0 the kernel picks one port, shared by all addresses. */
  listen(): Promise<{ address: string; port: number }>;
  /** Ends every transfer (the client gets an ERROR) and closes the listeners. */
  close(): Promise<void>;
  stats(): TftpStats;
}

/** Packets shorter than an opcode and a block number carry nothing to answer. */
const MIN_PACKET = 4;

export function createTftpServer(options: TftpServerOptions, routes: readonly TftpRoute[], logger: TftpLogger): TftpServer {
  const settings = resolveTftpSettings(options);
  const log = logger.child({ capability: 'tftp' });
  const listeners: Array<{ socket: Socket; address: string; port: number }> = [];
  let closed = false;
  // Threads start with listen(): a server built and never started costs nothing.
  let pool: TransferRunner | undefined;
  let engine: TransferEngine = 'main-thread';
  let receiveBuffer: ReceiveBuffer | undefined;
  const ctx: ReadContext = {
    settings,
    routes,
    log,
    active: new Map(),
    held: new Map(),
    counters: { completed: 0, clientAborted: 0, failed: 0, refused: 0, bytesSent: 0, packetsSent: 0, retransmits: 0 },
    pool: undefined,
    isClosed: () => closed,
  };

  const onPacket = (listener: Socket, localAddress: string, msg: Buffer, rinfo: RemoteInfo): void => {
    // Source port 0 is not a real sender (only a raw socket can forge it), and
    // node:dgram throws synchronously on a send to port 0: drop it.
    if (closed || msg.length < MIN_PACKET || rinfo.port === 0) return;
    const reply = (code: TftpErrorCode, message: string) => {
      ctx.counters.refused++;
      listener.send(errorPacket(code, message), rinfo.port, rinfo.address);
    };
    switch ((msg[0]! << 8) | msg[1]!) {
      case OP_RRQ:
        serveReadRequest(ctx, listener, localAddress, msg, rinfo).catch((err: unknown) => log.error({ err }, 'tftp request handler failed'));
        return;
      case OP_WRQ:
        log.warn({ client: `${rinfo.address}:${rinfo.port}` }, 'tftp write request refused');
        return reply(TFTP_ERROR.accessViolation, 'access violation: this TFTP server is read-only');
      case OP_ERROR:
        return; // RFC 1350: an ERROR is never answered
      case OP_DATA:
      case OP_ACK:
      case OP_OACK:
        return reply(TFTP_ERROR.unknownTransferId, 'unknown transfer ID');
      default:
        return reply(TFTP_ERROR.illegalOperation, 'illegal TFTP operation');
    }
  };

  async function bindListener(address: string, port: number): Promise<number> {
    const socket = await bindUdp(address, port);
    const bound = socket.address().port;
    receiveBuffer = widenReceiveBuffer(socket, settings.receiveBufferBytes);
    socket.on('message', (msg, rinfo) => {
      // Last line of defence: nothing a client sends may take the service down.
      try {
        onPacket(socket, address, msg, rinfo);
      } catch (err) {
        log.error({ err, client: `${rinfo.address}:${rinfo.port}` }, 'tftp packet handling failed');
      }
    });
    socket.on('error', (err) => log.error({ err, address }, 'tftp listener error'));
    listeners.push({ socket, address, port: bound });
    return bound;
  }

  return {
    async listen() {
      const addresses = expandListenAddress(settings.address, settings.bindEachAddress);
      let port = settings.port;
      ({ pool, engine } = startTransferRunner(settings, log));
      ctx.pool = pool;
      try {
        for (const address of addresses) port = await bindListener(address, port);
      } catch (err) {
        for (const { socket } of listeners.splice(0)) socket.close();
        await pool?.close();
        throw err;
      }
      log.info({ addresses, port, engine, workers: settings.workers, receiveBuffer }, 'tftp listening');
      if (receiveBuffer?.kernelMax !== undefined && receiveBuffer.kernelMax < settings.receiveBufferBytes) {
        log.warn(
          { receiveBuffer },
          `tftp receive buffer capped by net.core.rmem_max: a burst of read requests may be dropped; raise it with sysctl -w net.core.rmem_max=${settings.receiveBufferBytes}`,
        );
      }
      return { address: addresses[0]!, port };
    },
    async close() {
      closed = true;
      ctx.held.clear();
      for (const running of ctx.active.values()) running?.transfer.abort('server shutting down');
      await pool?.close();
      await Promise.all(listeners.splice(0).map(({ socket }) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    },
    stats() {
      const totals = { ...ctx.counters };
      if (pool) addSentCounts(totals, pool.sent());
      return {
        ...totals,
        active: ctx.active.size,
        engine,
        listening: listeners.map(({ address, port }) => ({ address, port })),
        workers: pool?.workerStats() ?? [],
        receiveBuffer,
      };
    },
  };
}

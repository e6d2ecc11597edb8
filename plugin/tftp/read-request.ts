// One read request, from the listener's packet to a running transfer: parse,
// check the path, ask the routes in order, negotiate options, then hand over
// to a Transfer on a fresh socket. Every refusal is an ERROR packet to the
// client and a log line; nothing a client sends can throw out of here.

import type { RemoteInfo, Socket } from 'node:dgram';
import { isDployError } from '../errors.js';
import { NETASCII_MAX_BYTES, netasciiSource } from './netascii.js';
import { negotiateOptions } from './options.js';
import { errorPacket, oackPacket, parseReadRequest, printable, TFTP_ERROR } from './packet.js';
import type { TftpErrorCode } from './packet.js';
import { normalizeRequestPath } from './request-path.js';
import type { TftpLogger, TftpRequest, TftpRoute, TftpSource } from './route.js';
import type { TftpSettings } from './settings.js';
import { Transfer } from './transfer.js';
import { openTransferSockets } from './transfer-socket.js';
import type { TransferResult } from './transfer.js';

export interface TftpCounters {
  completed: number;
  /** The client sent ERROR: a PXE ROM's tsize probe does this on purpose. */
  clientAborted: number;
  failed: number;
  refused: number;
  bytesSent: number;
  packetsSent: number;
  retransmits: number;
}

export interface ReadContext {
  settings: TftpSettings;
  routes: readonly TftpRoute[];
  log: TftpLogger;
  /** Keyed by client "address:port"; undefined while the request is being opened. */
  active: Map<string, Transfer | undefined>;
  counters: TftpCounters;
  isClosed(): boolean;
}

export async function serveReadRequest(ctx: ReadContext, listener: Socket, localAddress: string, msg: Buffer, rinfo: RemoteInfo): Promise<void> {
  const refuse = (code: TftpErrorCode, message: string, level: 'debug' | 'warn' = 'warn') => {
    ctx.counters.refused++;
    ctx.log[level]({ client: `${rinfo.address}:${rinfo.port}`, code }, `tftp request refused: ${message}`);
    if (!ctx.isClosed()) listener.send(errorPacket(code, message), rinfo.port, rinfo.address);
  };
  const parsed = parseReadRequest(msg);
  if (!parsed.ok) return refuse(parsed.code, parsed.message);
  const key = `${rinfo.address}:${rinfo.port}`;
  // A retransmitted RRQ: the transfer already running for this TID answers it.
  if (ctx.active.has(key)) return;
  if (ctx.active.size >= ctx.settings.maxTransfers) {
    return refuse(TFTP_ERROR.notDefined, `server busy: ${ctx.active.size} transfers in progress, retry later`);
  }
  const { filename, mode, options } = parsed.request;
  const path = normalizeRequestPath(filename);
  if (!path.ok) return refuse(TFTP_ERROR.accessViolation, `access violation: ${path.reason} (${printable(filename)})`);
  const request: TftpRequest = {
    path: path.path, rawPath: filename, clientAddress: rinfo.address, clientPort: rinfo.port, localAddress, mode, options,
  };
  ctx.active.set(key, undefined);
  let source: TftpSource | undefined;
  try {
    const opened = await openThroughRoutes(ctx.routes, request);
    if (!opened) return refuse(TFTP_ERROR.fileNotFound, `file not found: ${path.path}`, 'debug');
    source = opened.source;
    if (mode === 'netascii') {
      if (source.size > NETASCII_MAX_BYTES) return refuse(TFTP_ERROR.notDefined, `netascii is offered up to ${NETASCII_MAX_BYTES} bytes: use octet mode`);
      source = await netasciiSource(source);
    }
    if (ctx.isClosed()) return;
    await startTransfer(ctx, request, source, opened.route);
    source = undefined; // the transfer owns it now
  } catch (err) {
    if (isDployError(err, 'DPLOY_ERR_TFTP_ACCESS_DENIED')) return refuse(TFTP_ERROR.accessViolation, `access violation: ${path.path}`);
    ctx.log.error({ err, client: key, path: path.path }, 'tftp request failed');
    refuse(TFTP_ERROR.notDefined, 'internal server error');
  } finally {
    if (ctx.active.get(key) === undefined) ctx.active.delete(key);
    if (source) await Promise.resolve(source.close()).catch(() => undefined);
  }
}

/** A route that never answers (a stuck renderer, a hung NFS root) must not hold a slot forever. */
const ROUTE_TIMEOUT_MS = 10_000;

async function openThroughRoutes(routes: readonly TftpRoute[], request: TftpRequest): Promise<{ source: TftpSource; route: string } | undefined> {
  for (const route of routes) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`route ${route.name} did not answer within ${ROUTE_TIMEOUT_MS} ms`)), ROUTE_TIMEOUT_MS);
    });
    const opening = route.open(request);
    try {
      const source = await Promise.race([opening, timeout]);
      if (source) return { source, route: route.name };
    } catch (err) {
      // A source opened after we gave up is closed, not leaked.
      opening.then((late) => late?.close(), () => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
  return undefined;
}

async function startTransfer(ctx: ReadContext, request: TftpRequest, source: TftpSource, route: string): Promise<void> {
  const { settings } = ctx;
  const negotiated = negotiateOptions(request.options, source.size, settings);
  const sockets = await openTransferSockets(request.localAddress, request.clientAddress, request.clientPort);
  const key = `${request.clientAddress}:${request.clientPort}`;
  const started = process.hrtime.bigint();
  const transfer = new Transfer(
    sockets,
    source,
    {
      blksize: negotiated.blksize,
      windowsize: negotiated.windowsize,
      oack: negotiated.oack.size > 0 ? oackPacket(negotiated.oack) : undefined,
      retransmitMs: negotiated.timeoutMs ?? settings.retransmitMs,
      maxRetries: settings.maxRetries,
      deadlineMs: settings.deadlineMs,
    },
    (result) => {
      ctx.active.delete(key);
      account(ctx, result);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = result.outcome === 'completed' || result.outcome === 'client-error' ? 'debug' : 'warn';
      ctx.log[level]({ client: key, path: request.path, route, ms: Math.round(ms), ...result }, `tftp transfer ${result.outcome}`);
      void Promise.resolve(source.close()).catch(() => undefined);
    },
  );
  ctx.active.set(key, transfer);
  transfer.start();
}

function account(ctx: ReadContext, result: TransferResult): void {
  const { counters } = ctx;
  if (result.outcome === 'completed') counters.completed++;
  else if (result.outcome === 'client-error') counters.clientAborted++;
  else counters.failed++;
  counters.bytesSent += result.bytesSent;
  counters.packetsSent += result.packetsSent;
  counters.retransmits += result.retransmits;
}

// One read request, from the listener's packet to a running transfer: parse,
// check the path, ask the routes in order, negotiate options, then hand over
// to a Transfer on a fresh socket, on a worker thread (transfer-pool.ts) when
// the bytes are in memory and workers run, else on this thread. Every refusal is an ERROR packet to the
// client and a log line; nothing a client sends can throw out of here.

import type { RemoteInfo, Socket } from 'node:dgram';
import { isDployError } from '../errors.js';
import { NETASCII_MAX_BYTES, netasciiSource } from './netascii.js';
import { negotiateOptions } from './options.js';
import { errorPacket, oackPacket, parseReadRequest, printable, TFTP_ERROR } from './packet.js';
import type { TftpErrorCode } from './packet.js';
import { normalizeRequestPath } from './request-path.js';
import type { TftpLogger, TftpRequest, TftpRoute, TftpSource } from './route.js';
import type { SentCounts } from './sent-counts.js';
import type { TftpSettings } from './settings.js';
import { Transfer } from './transfer.js';
import type { TransferPlan, TransferResult } from './transfer.js';
import { openTransferSockets } from './transfer-socket.js';

export interface TftpCounters extends SentCounts {
  completed: number;
  /** The client sent ERROR: a PXE ROM's tsize probe does this on purpose. */
  clientAborted: number;
  failed: number;
  refused: number;
}

/** A running transfer, on this thread or in a worker: abort() ends it with an ERROR to the client, unless quiet. */
export interface ActiveTransfer {
  abort(reason: string, quiet?: boolean): void;
}

/** A transfer as the listener tracks it: where it runs, and when it sent its first answer (performance.now()). */
export interface RunningTransfer {
  transfer: ActiveTransfer;
  startedAt: number;
}

/** A transfer handed to a transfer thread: the client, the plan and the bytes to send. */
export interface TransferHandoff {
  localAddress: string;
  clientAddress: string;
  clientPort: number;
  plan: TransferPlan;
  bytes: Buffer;
}

/** How a handed-off transfer ended; `opened` false: answer the client from the listener. */
export type PooledEnd = (result: TransferResult, opened: boolean) => void;

/** What runs transfers off the main thread: worker threads (transfer-pool.ts) or the native engine (native-engine.ts). */
export interface TransferRunner {
  /** Undefined when it cannot take the transfer now: the caller serves it on its own thread. */
  start(handoff: TransferHandoff, onEnd: PooledEnd): ActiveTransfer | undefined;
  /** Everything its transfers sent, running and ended. */
  sent(): SentCounts;
  /** Per thread: its transfers now and what it has sent. */
  workerStats(): Array<{ transfers: number } & SentCounts>;
  /** Call after every transfer was aborted: waits for their ERRORs to leave, then stops the threads. */
  close(): Promise<void>;
}

export interface ReadContext {
  settings: TftpSettings;
  routes: readonly TftpRoute[];
  log: TftpLogger;
  /** Keyed by client "address:port"; undefined while the request is being opened. */
  active: Map<string, RunningTransfer | undefined>;
  /** Bytes and packets of transfers on this thread count in here as they are sent. */
  counters: TftpCounters;
  /** Transfer threads (native engine or worker threads); undefined: every transfer runs on this thread. */
  pool: TransferRunner | undefined;
  /** An RRQ from a TID whose transfer is still running, served if that transfer ends soon. */
  held: Map<string, () => void>;
  isClosed(): boolean;
}

type Refuse = (code: TftpErrorCode, message: string, level?: 'debug' | 'warn') => void;

export async function serveReadRequest(ctx: ReadContext, listener: Socket, localAddress: string, msg: Buffer, rinfo: RemoteInfo): Promise<void> {
  const refuse: Refuse = (code, message, level = 'warn') => {
    ctx.counters.refused++;
    ctx.log[level]({ client: `${rinfo.address}:${rinfo.port}`, code }, `tftp request refused: ${message}`);
    if (!ctx.isClosed()) listener.send(errorPacket(code, message), rinfo.port, rinfo.address);
  };
  const parsed = parseReadRequest(msg);
  if (!parsed.ok) return refuse(parsed.code, parsed.message);
  const key = `${rinfo.address}:${rinfo.port}`;
  if (ctx.active.has(key)) return holdWhileRunning(ctx, key, () => serveReadRequest(ctx, listener, localAddress, msg, rinfo));
  if (ctx.active.size >= ctx.settings.maxTransfers) {
    return refuse(TFTP_ERROR.notDefined, `server busy: ${ctx.active.size} transfers in progress, retry later`);
  }
  const { filename, mode, options } = parsed.request;
  const path = normalizeRequestPath(filename);
  if (!path.ok) return refuse(TFTP_ERROR.accessViolation, `access violation: ${path.reason} (${printable(filename)})`);
  const request: TftpRequest = {
    path: path.path,
    rawPath: filename,
    clientAddress: rinfo.address,
    clientPort: rinfo.port,
    localAddress,
    mode,
    options,
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
    await startTransfer(ctx, request, source, opened.route, refuse);
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

/**
 * A client that ends a transfer (ERROR 8 after a PXE ROM's tsize probe, or
 * its last ACK) and asks again from the same port at once: the end reaches a
 * transfer thread's socket while the new RRQ reaches the listener, and the
 * listener may see it first. So an RRQ for a running transfer is held this
 * long: if the transfer ends meanwhile, the RRQ is served.
 */
const HOLD_RRQ_MS = 200;
/**
 * A retransmitted RRQ was sent before the client saw the transfer's first
 * answer, so it arrives within moments of the transfer's start; the running
 * transfer answers it, and ending that transfer would strand a client already
 * receiving from it. An RRQ this long after the start is the client's next request.
 */
const RETRANSMISSION_WINDOW_MS = 750;
/** A superseded transfer that has not reported its end by then no longer holds the client's port. */
const SUPERSEDE_MS = 2_000;

/**
 * A transfer still running when the hold ends, and started long before the
 * RRQ, is one the client has left: its last ACK was lost (the transfer would
 * resend its last DATA to the new request's socket until its deadline), or it
 * gave up, and it asks again from the same port, as PXE ROMs do. The old
 * transfer ends without an ERROR, which the client would take for the new
 * request's answer, and the new request is served. Sooner after the start, the
 * RRQ is taken for a retransmission and dropped; the client asks again.
 */
function holdWhileRunning(ctx: ReadContext, key: string, serve: () => Promise<void>): void {
  const running = ctx.active.get(key);
  // Still being opened: the RRQ is a retransmission of the one being opened.
  if (running === undefined || ctx.held.has(key)) return;
  const left = performance.now() - running.startedAt >= RETRANSMISSION_WINDOW_MS;
  let forget: NodeJS.Timeout | undefined;
  const hold = setTimeout(() => {
    if (!left) return void ctx.held.delete(key);
    running.transfer.abort('superseded by a new request from the client port', true);
    forget = setTimeout(() => ctx.held.delete(key), SUPERSEDE_MS);
  }, HOLD_RRQ_MS);
  ctx.held.set(key, () => {
    clearTimeout(hold);
    clearTimeout(forget);
    ctx.held.delete(key);
    serve().catch((err: unknown) => ctx.log.error({ err, client: key }, 'tftp request handler failed'));
  });
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
      opening.then(
        (late) => late?.close(),
        () => undefined,
      );
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
  return undefined;
}

async function startTransfer(ctx: ReadContext, request: TftpRequest, source: TftpSource, route: string, refuse: Refuse): Promise<void> {
  const { settings } = ctx;
  const negotiated = negotiateOptions(request.options, source.size, settings);
  const plan: TransferPlan = {
    blksize: negotiated.blksize,
    windowsize: negotiated.windowsize,
    oack: negotiated.oack.size > 0 ? oackPacket(negotiated.oack) : undefined,
    retransmitMs: negotiated.timeoutMs ?? settings.retransmitMs,
    maxRetries: settings.maxRetries,
    deadlineMs: settings.deadlineMs,
  };
  const key = `${request.clientAddress}:${request.clientPort}`;
  const started = process.hrtime.bigint();
  const onEnd = (result: TransferResult) => {
    ctx.active.delete(key);
    ctx.held.get(key)?.();
    account(ctx.counters, result);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const level = result.outcome === 'completed' || result.outcome === 'client-error' ? 'debug' : 'warn';
    ctx.log[level]({ client: key, path: request.path, route, ms: Math.round(ms), ...result }, `tftp transfer ${result.outcome}`);
    void Promise.resolve(source.close()).catch(() => undefined);
  };
  // Bytes in memory go to a worker thread; a file too big for the cache is
  // read here, as is everything while no worker runs.
  if (ctx.pool && source.bytes) {
    const { clientAddress, clientPort, localAddress } = request;
    const pooled = ctx.pool.start({ localAddress, clientAddress, clientPort, plan, bytes: source.bytes }, (result, opened) => {
      if (!opened) refuse(TFTP_ERROR.notDefined, 'internal server error');
      onEnd(result);
    });
    if (pooled) return void ctx.active.set(key, { transfer: pooled, startedAt: performance.now() });
  }
  const sockets = await openTransferSockets(request.localAddress, request.clientAddress, request.clientPort);
  const transfer = new Transfer(sockets, source, plan, onEnd, ctx.counters);
  ctx.active.set(key, { transfer, startedAt: performance.now() });
  transfer.start();
}

/** Bytes and packets were counted as they left; the outcome is counted here. */
function account(counters: TftpCounters, result: TransferResult): void {
  if (result.outcome === 'completed') counters.completed++;
  else if (result.outcome === 'client-error') counters.clientAborted++;
  else counters.failed++;
}

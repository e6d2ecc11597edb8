// A pool of transfer worker threads (transfer-worker.ts). The main thread
// keeps port 69, the route chain and the transfer bound; once a request is
// resolved to bytes in memory it hands the transfer (client address and port,
// negotiated plan, the bytes) to the least busy worker, which opens the
// transfer's own socket and runs it. Cached files live in SharedArrayBuffers,
// so a 32 MiB initrd is shared with the worker, not copied per transfer.
//
// A worker that dies (a bug, an out-of-memory kill) must not leave clients
// waiting out their timeouts: each of its transfers gets an ERROR from the
// transfer's own port (the TID the client knows, RFC 1350 §4), is counted as
// failed, and a new worker takes its place.

import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../worker-thread.js';
import { bindUdp } from './listen-addresses.js';
import { errorPacket, TFTP_ERROR } from './packet.js';
import type { TftpLogger } from './route.js';
import { addSentCounts, SharedSentCounts } from './sent-counts.js';
import type { SentCounts } from './sent-counts.js';
import type { ActiveTransfer, PooledEnd, TransferHandoff, TransferRunner } from './read-request.js';
import type { TransferResult } from './transfer-plan.js';

export type ToWorker =
  ({ type: 'start'; id: number } & Omit<TransferHandoff, 'bytes'> & { bytes: Uint8Array }) | { type: 'abort'; id: number; reason: string; quiet: boolean };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'started'; id: number; port: number }
  /** opened false: no transfer socket, the client has heard nothing yet. */
  | { type: 'ended'; id: number; opened: boolean; result: TransferResult };

interface Job {
  handoff: TransferHandoff;
  onEnd: PooledEnd;
  /** The transfer's local port, once the worker opened it. */
  port?: number;
}

interface PoolWorker {
  thread: Worker;
  /** It loaded and said so; one that dies before is not started again at once (a broken install would spin). */
  ready: boolean;
  sent: SharedSentCounts;
  jobs: Map<number, Job>;
  whenIdle?: () => void;
}

/** A worker that died before it was ready is replaced after this long. */
const RESPAWN_DELAY_MS = 1000;

/** close() waits this long for aborted transfers to send their ERROR, then stops the threads. */
const CLOSE_GRACE_MS = 2000;

export class TransferPool implements TransferRunner {
  private readonly workers = new Set<PoolWorker>();
  /** What workers that have exited had sent. */
  private readonly retired: SentCounts = { bytesSent: 0, packetsSent: 0, retransmits: 0 };
  private nextId = 1;
  private closing = false;

  constructor(
    size: number,
    private readonly log: TftpLogger,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /**
   * Runs the transfer on the least busy worker; abort() ends it with an ERROR
   * to the client. Undefined when no worker is running (all died and are
   * being replaced): the caller serves it on its own thread.
   */
  start(handoff: TransferHandoff, onEnd: PooledEnd): ActiveTransfer | undefined {
    let worker: PoolWorker | undefined;
    for (const candidate of this.workers) if (!worker || candidate.jobs.size < worker.jobs.size) worker = candidate;
    if (!worker) return undefined;
    const id = this.nextId++;
    worker.jobs.set(id, { handoff, onEnd });
    const { bytes, ...rest } = handoff;
    // Shared memory goes as is; other bytes (live configs) are cloned, only their own range.
    const shared = bytes.buffer instanceof SharedArrayBuffer ? bytes : new Uint8Array(bytes);
    const message: ToWorker = { type: 'start', id, ...rest, bytes: shared };
    worker.thread.postMessage(message);
    const thread = worker.thread;
    return { abort: (reason, quiet) => thread.postMessage({ type: 'abort', id, reason, quiet: quiet === true } satisfies ToWorker) };
  }

  /** Everything sent by transfers in workers, running and ended. */
  sent(): SentCounts {
    const totals = { ...this.retired };
    for (const worker of this.workers) addSentCounts(totals, worker.sent);
    return totals;
  }

  /** Per running thread: its transfers now and what it has sent. */
  workerStats(): Array<{ transfers: number } & SentCounts> {
    return [...this.workers].map(({ jobs, sent }) => ({
      transfers: jobs.size,
      bytesSent: sent.bytesSent,
      packetsSent: sent.packetsSent,
      retransmits: sent.retransmits,
    }));
  }

  /** The running threads, for tests that stop one the hard way. */
  threads(): Worker[] {
    return [...this.workers].map((w) => w.thread);
  }

  /** Call after every transfer was aborted: waits for their ERRORs to leave, then stops the threads. */
  async close(): Promise<void> {
    this.closing = true;
    const workers = [...this.workers];
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.jobs.size === 0) return resolve();
            const timer = setTimeout(resolve, CLOSE_GRACE_MS);
            worker.whenIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
      ),
    );
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
  }

  private spawn(): void {
    const sent = new SharedSentCounts();
    const worker: PoolWorker = { thread: startThread(sent.memory), ready: false, sent, jobs: new Map() };
    worker.thread.on('message', (message: FromWorker) => this.onMessage(worker, message));
    worker.thread.on('error', (err) => this.log.error({ err }, 'tftp transfer worker failed'));
    worker.thread.on('exit', (code) => this.onExit(worker, code));
    this.workers.add(worker);
  }

  private onMessage(worker: PoolWorker, message: FromWorker): void {
    if (message.type === 'ready') return void (worker.ready = true);
    const job = worker.jobs.get(message.id);
    if (!job) return;
    if (message.type === 'started') {
      job.port = message.port;
      return;
    }
    worker.jobs.delete(message.id);
    job.onEnd(message.result, message.opened);
    if (worker.jobs.size === 0) worker.whenIdle?.();
  }

  private onExit(worker: PoolWorker, code: number): void {
    this.workers.delete(worker);
    addSentCounts(this.retired, worker.sent);
    const detail = `transfer worker stopped (exit code ${code})`;
    if (worker.jobs.size > 0 || !this.closing) this.log[this.closing ? 'debug' : 'error']({ code, transfers: worker.jobs.size }, detail);
    for (const job of worker.jobs.values()) {
      if (job.port !== undefined) void errorFromPort(job, this.closing ? 'server shutting down' : 'server error: transfer stopped');
      job.onEnd({ outcome: 'failed', detail, bytesSent: 0, packetsSent: 0, retransmits: 0 }, job.port !== undefined);
    }
    worker.jobs.clear();
    worker.whenIdle?.();
    if (this.closing) return;
    if (worker.ready) return this.spawn();
    setTimeout(() => this.closing || this.spawn(), RESPAWN_DELAY_MS).unref();
  }
}

/**
 * The worker's sockets closed with it; a socket bound again to the same local
 * port (SO_REUSEADDR, as transfer sockets are) speaks with the transfer's TID,
 * which is the only source the client accepts an ERROR from.
 */
async function errorFromPort(job: Job, message: string): Promise<void> {
  const { localAddress, clientAddress, clientPort } = job.handoff;
  try {
    const socket = await bindUdp(localAddress, job.port!, true);
    socket.send(errorPacket(TFTP_ERROR.notDefined, message), clientPort, clientAddress, () => socket.close());
  } catch {
    // The port is gone or taken: the client's own timeout ends it.
  }
}

function startThread(sent: SharedArrayBuffer): Worker {
  return startWorkerThread(import.meta.url, 'transfer-worker', { workerData: { sent } });
}

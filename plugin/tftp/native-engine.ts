// Transfers in dploy's native engine (native/tftp-engine.c): the same
// contract as TransferPool (a resolved transfer in, its end out), with the
// per-packet loop in C on `threads` engine threads. Built by `npm ci`
// (native/build.mjs); when it is absent, loadNativeEngine() says why and the
// service runs transfers on node:dgram worker threads instead.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { shipped } from '../package-root.js';
import type { ActiveTransfer, PooledEnd, TransferHandoff, TransferRunner } from './read-request.js';
import { addSentCounts } from './sent-counts.js';
import type { SentCounts } from './sent-counts.js';
import type { TransferOutcome } from './transfer-plan.js';

type OnEnd = (id: number, outcome: TransferOutcome, detail: string, bytesSent: number, packetsSent: number, retransmits: number) => void;

interface Binding {
  create(threads: number, onEnd: OnEnd): object;
  /** Opens the transfer's sockets (throws when it cannot) and returns its local port. */
  start(
    engine: object,
    id: number,
    localAddress: string,
    clientAddress: string,
    clientPort: number,
    bytes: Uint8Array,
    blksize: number,
    windowsize: number,
    oack: Uint8Array | null,
    retransmitMs: number,
    maxRetries: number,
    deadlineMs: number,
  ): number;
  abort(engine: object, id: number, reason: string, quiet?: boolean): void;
  /** Per thread: transfers, bytes sent, packets sent, retransmissions. */
  stats(engine: object): number[];
  close(engine: object): void;
}

const require = createRequire(import.meta.url);
const ENGINE_FILE = shipped('build/native/tftp-engine.node');

let loaded: { binding: Binding } | { error: string } | undefined;

/** The engine's binding, or why there is none (not built, or built for another ABI). */
export function loadNativeEngine(): { binding: Binding } | { error: string } {
  if (loaded) return loaded;
  if (!existsSync(ENGINE_FILE)) return (loaded = { error: 'build/native/tftp-engine.node is not built (run `npm run build:native`; it needs a C compiler)' });
  try {
    loaded = { binding: require(ENGINE_FILE) as Binding };
  } catch (err) {
    loaded = { error: `${ENGINE_FILE} does not load: ${(err as Error).message}` };
  }
  return loaded;
}

/** close() waits this long for aborted transfers to report their end. */
const CLOSE_GRACE_MS = 2000;

export class NativeEngine implements TransferRunner {
  private readonly engine: object;
  /** Running transfers; each keeps its bytes referenced here, which the C side reads until the end. */
  private readonly jobs = new Map<number, { onEnd: PooledEnd; bytes: Uint8Array }>();
  private nextId = 1;
  private whenIdle: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly binding: Binding,
    threads: number,
  ) {
    this.engine = binding.create(threads, (id, outcome, detail, bytesSent, packetsSent, retransmits) => {
      const job = this.jobs.get(id);
      if (!job) return;
      this.jobs.delete(id);
      job.onEnd({ outcome, detail, bytesSent, packetsSent, retransmits }, true);
      if (this.jobs.size === 0) this.whenIdle?.();
    });
  }

  start(handoff: TransferHandoff, onEnd: PooledEnd): ActiveTransfer | undefined {
    if (this.closed) return undefined;
    const id = this.nextId++;
    const { plan, bytes } = handoff;
    try {
      this.binding.start(
        this.engine,
        id,
        handoff.localAddress,
        handoff.clientAddress,
        handoff.clientPort,
        bytes,
        plan.blksize,
        plan.windowsize,
        plan.oack ?? null,
        plan.retransmitMs,
        plan.maxRetries,
        plan.deadlineMs,
      );
    } catch (err) {
      // No socket: the client has heard nothing, the listener answers it.
      queueMicrotask(() => onEnd({ outcome: 'failed', detail: (err as Error).message, bytesSent: 0, packetsSent: 0, retransmits: 0 }, false));
      return { abort: () => undefined };
    }
    this.jobs.set(id, { onEnd, bytes });
    // After close() the engine has aborted every transfer itself.
    return { abort: (reason, quiet) => void (this.jobs.has(id) && !this.closed && this.binding.abort(this.engine, id, reason, quiet === true)) };
  }

  sent(): SentCounts {
    const totals: SentCounts = { bytesSent: 0, packetsSent: 0, retransmits: 0 };
    for (const thread of this.workerStats()) addSentCounts(totals, thread);
    return totals;
  }

  workerStats(): Array<{ transfers: number } & SentCounts> {
    const cells = this.binding.stats(this.engine);
    const threads = [];
    for (let i = 0; i + 3 < cells.length; i += 4) {
      threads.push({ transfers: cells[i]!, bytesSent: cells[i + 1]!, packetsSent: cells[i + 2]!, retransmits: cells[i + 3]! });
    }
    return threads;
  }

  /** Every running transfer gets ERROR 0 "server shutting down"; resolves when their ends are reported. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.binding.close(this.engine);
    if (this.jobs.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      this.whenIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

// One read transfer on its own UDP socket (its TID, RFC 1350 §4), sending
// windows of DATA (RFC 7440; window 1 is RFC 1350 lock-step).
//
// Only an ACK that moves the window forward sends anything: a duplicate ACK is
// ignored, which is what keeps the sorcerer's apprentice (RFC 1350 errata,
// RFC 1123 §4.2.3.1) away. Lost packets are resent only by the timer. An ACK
// inside the window (the client saw a gap, RFC 7440 §4) resends from there.
// Block numbers wrap 65535 → 0 as tftpd-hpa does; internally blocks are
// counted without wrapping, so a 32 MiB file at blksize 512 is fine.
//
// The retransmission interval doubles while nothing moves (up to 8×, at least
// 6 s, as tftpd-hpa backs off): a client that lost its ACK twice may wait its
// full timeout (atftp: 5 s) before it asks again, and we must still be there.

import type { RemoteInfo } from 'node:dgram';
import { ackBlock, describeError, errorPacket, isErrorPacket, OP_DATA, TFTP_ERROR } from './packet.js';
import { RetransmitTimer } from './retransmit-timer.js';
import type { TftpSource } from './route.js';
import type { SentCounts } from './sent-counts.js';
import type { TransferSockets } from './transfer-socket.js';
import type { TransferOutcome, TransferPlan, TransferResult } from './transfer-plan.js';

export type { TransferOutcome, TransferPlan, TransferResult } from './transfer-plan.js';

const MAX_BACKOFF = 8;
/**
 * atftp ignores a second duplicate DATA and re-ACKs only when its own 5 s
 * timer runs out, which each duplicate restarts: the backoff must reach a
 * silence longer than that, or such a client and we wait on each other.
 */
const MIN_LONGEST_WAIT_MS = 6000;

export class Transfer {
  private readonly lastBlock: number;
  private base: number;
  private sentUpTo = 0;
  private retries = 0;
  private interval: number;
  private generation = 0;
  private ended = false;
  private readonly timer = new RetransmitTimer(() => this.onTimeout());
  private readonly deadline: NodeJS.Timeout;
  private readonly result: TransferResult = { outcome: 'completed', detail: '', bytesSent: 0, packetsSent: 0, retransmits: 0 };

  constructor(
    private readonly sockets: TransferSockets,
    private readonly source: TftpSource,
    private readonly plan: TransferPlan,
    private readonly onEnd: (result: TransferResult) => void,
    /** The service's running totals (stats()), counted as packets leave. */
    private readonly sent: SentCounts,
  ) {
    // The last block is the first one shorter than blksize, possibly empty.
    this.lastBlock = Math.floor(source.size / plan.blksize) + 1;
    this.base = plan.oack ? 0 : 1;
    this.interval = plan.retransmitMs;
    this.timer.sent(plan.retransmitMs); // a disk read may come before the first send
    this.deadline = setTimeout(() => this.end('deadline', `not finished within ${plan.deadlineMs} ms`), plan.deadlineMs);
    sockets.client.on('message', (msg) => this.guard(() => this.onMessage(msg)));
    // A connected socket reports the client's ICMP port unreachable: it is gone.
    sockets.client.on('error', (err: NodeJS.ErrnoException) =>
      this.end(err.code === 'ECONNREFUSED' ? 'client-error' : 'failed', err.code === 'ECONNREFUSED' ? 'client port closed' : err.message),
    );
    sockets.strangers.on('message', (msg, rinfo) => this.guard(() => this.onStranger(msg, rinfo)));
    sockets.strangers.on('error', () => undefined);
  }

  start(): void {
    if (this.plan.oack) this.sendPacket(this.plan.oack);
    else this.sendWindow();
  }

  /** Ends the transfer with ERROR 0 and the reason; quiet: without (the client superseded it by asking again from its port). */
  abort(reason: string, quiet = false): void {
    if (!quiet) this.sendPacket(errorPacket(TFTP_ERROR.notDefined, reason));
    this.end('aborted', reason);
  }

  /** RFC 1350 §4: a packet from anyone but the client gets ERROR 5; the transfer goes on. */
  private onStranger(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.ended || isErrorPacket(msg) || rinfo.port === 0) return; // port 0: forged, and unanswerable
    this.sockets.strangers.send(errorPacket(TFTP_ERROR.unknownTransferId, 'unknown transfer ID'), rinfo.port, rinfo.address);
  }

  private onMessage(msg: Buffer): void {
    if (this.ended) return;
    if (isErrorPacket(msg)) return this.end('client-error', describeError(msg));
    const ack = ackBlock(msg);
    if (ack < 0) return; // not an ACK: nothing a reading client should send; dropped
    const acked = this.sentUpTo - (((this.sentUpTo & 0xffff) - ack) & 0xffff);
    if (acked < this.base) return; // duplicate or stale: never resend on it
    this.base = acked + 1;
    this.retries = 0;
    this.interval = this.plan.retransmitMs;
    if (acked >= this.lastBlock) return this.end('completed', '');
    this.sendWindow();
  }

  private onTimeout(): void {
    if (this.ended) return;
    if (++this.retries > this.plan.maxRetries) {
      return this.end('timeout', `no ACK after ${this.plan.maxRetries} retransmissions of block ${this.base}`);
    }
    this.interval = Math.min(this.interval * 2, Math.max(this.plan.retransmitMs * MAX_BACKOFF, MIN_LONGEST_WAIT_MS));
    if (this.base === 0 && this.plan.oack) {
      this.count(0, 0, 1); // the OACK again
      this.sendPacket(this.plan.oack);
    } else {
      this.sendWindow();
    }
  }

  /** Sends the window from `base`; synchronous when the bytes are in memory (the cache). */
  private sendWindow(): void {
    const generation = ++this.generation;
    const from = this.base;
    const to = Math.min(from + this.plan.windowsize - 1, this.lastBlock);
    let read: Buffer | Promise<Buffer>;
    try {
      read = this.source.read((from - 1) * this.plan.blksize, (to - from + 1) * this.plan.blksize);
    } catch (err) {
      return this.abortOnRead(err);
    }
    if (Buffer.isBuffer(read)) return this.sendBlocks(from, to, read);
    read.then(
      // An ACK (or the timer) moved the window while the disk was read: that call sends.
      (bytes) => void (generation === this.generation && !this.ended && this.sendBlocks(from, to, bytes)),
      (err: unknown) => this.abortOnRead(err),
    );
  }

  private sendBlocks(from: number, to: number, bytes: Buffer): void {
    const { blksize } = this.plan;
    const shared = bytes.buffer instanceof SharedArrayBuffer;
    // Counted before the packets leave: the client may see them (and ask
    // stats()) before this thread runs its next statement. Blocks already sent
    // once (after a timeout, or an ACK inside the window) are retransmissions.
    this.count(Math.min(bytes.length, (to - from + 1) * blksize), to - from + 1, from <= this.sentUpTo ? Math.min(to, this.sentUpTo) - from + 1 : 0);
    for (let block = from; block <= to; block++) {
      const start = (block - from) * blksize;
      const payload = bytes.subarray(start, start + blksize);
      // Copying out of a SharedArrayBuffer (the file cache) takes V8's relaxed,
      // atomic-safe byte copy: ~13 % of a worker's CPU at blksize 8192 (perf).
      // So shared bytes go as a two-buffer list the kernel gathers; others are
      // copied behind the header, as one send of one buffer costs less than a
      // list. A packet buffer belongs to the send queue until sent.
      const packet = Buffer.allocUnsafe(shared ? 4 : 4 + payload.length);
      packet[0] = 0;
      packet[1] = OP_DATA;
      packet[2] = (block >> 8) & 0xff; // wraps 65535 → 0 (tftpd-hpa's rollover)
      packet[3] = block & 0xff;
      if (shared) {
        this.sockets.client.send([packet, payload]);
      } else {
        payload.copy(packet, 4);
        this.sockets.client.send(packet);
      }
    }
    if (to > this.sentUpTo) this.sentUpTo = to;
    this.timer.sent(this.interval);
  }

  private abortOnRead(err: unknown): void {
    if (this.ended) return;
    this.sendPacket(errorPacket(TFTP_ERROR.notDefined, 'server could not read the file'));
    this.end('failed', `read failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  private sendPacket(packet: Buffer): void {
    this.count(0, 1, 0);
    this.sockets.client.send(packet);
    this.timer.sent(this.interval);
  }

  /** Into this transfer's result (its log line) and the service's totals (stats()). */
  private count(bytes: number, packets: number, retransmits: number): void {
    this.result.bytesSent += bytes;
    this.result.packetsSent += packets;
    this.result.retransmits += retransmits;
    this.sent.bytesSent += bytes;
    this.sent.packetsSent += packets;
    this.sent.retransmits += retransmits;
  }

  /** A bug here ends this transfer, not the process serving every other one. */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      this.end('failed', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private end(outcome: TransferOutcome, detail: string): void {
    if (this.ended) return;
    this.ended = true;
    this.timer.stop();
    clearTimeout(this.deadline);
    this.result.outcome = outcome;
    this.result.detail = detail;
    this.sockets.client.close();
    this.sockets.strangers.close();
    this.onEnd(this.result);
  }
}

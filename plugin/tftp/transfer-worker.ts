// A transfer worker thread: its own event loop runs the transfers the main
// thread hands it (transfer-pool.ts), each on its own sockets (its TID,
// RFC 1350 §4), with the same Transfer logic as in-process. Node's fixed cost
// per datagram is paid on every core instead of one, as tftpd-hpa's process
// per transfer does.
//
// The main thread keeps everything that needs the service's state (port 69,
// the routes, live boot configs, the transfer bound, logging); a worker only
// sends bytes it was given and says how each transfer ended.

import { parentPort, workerData } from 'node:worker_threads';
import { bufferSource } from './route.js';
import { SharedSentCounts } from './sent-counts.js';
import { Transfer } from './transfer.js';
import { openTransferSockets } from './transfer-socket.js';
import type { ToWorker, FromWorker } from './transfer-pool.js';

const port = parentPort!;
const sent = new SharedSentCounts((workerData as { sent: SharedArrayBuffer }).sent);
/** Running transfers; undefined while the sockets open (an abort then waits for them). */
const transfers = new Map<number, Transfer | undefined>();
const abortsPending = new Map<number, { reason: string; quiet: boolean }>();

const post = (message: FromWorker) => port.postMessage(message);

async function start(job: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  transfers.set(job.id, undefined);
  let sockets;
  try {
    sockets = await openTransferSockets(job.localAddress, job.clientAddress, job.clientPort);
  } catch (err) {
    transfers.delete(job.id);
    abortsPending.delete(job.id);
    post({
      type: 'ended',
      id: job.id,
      opened: false,
      result: { outcome: 'failed', detail: `transfer socket: ${(err as Error).message}`, bytesSent: 0, packetsSent: 0, retransmits: 0 },
    });
    return;
  }
  // Structured clone turns Buffers into Uint8Arrays; the bytes are not copied
  // when they live in a SharedArrayBuffer (the file cache).
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const plan = { ...job.plan, oack: job.plan.oack && Buffer.from(job.plan.oack) };
  const transfer = new Transfer(
    sockets,
    bufferSource(bytes),
    plan,
    (result) => {
      transfers.delete(job.id);
      post({ type: 'ended', id: job.id, opened: true, result });
    },
    sent,
  );
  transfers.set(job.id, transfer);
  post({ type: 'started', id: job.id, port: sockets.client.address().port });
  transfer.start();
  const pending = abortsPending.get(job.id);
  if (pending !== undefined) {
    abortsPending.delete(job.id);
    transfer.abort(pending.reason, pending.quiet);
  }
}

post({ type: 'ready' });

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    void start(message);
  } else if (message.type === 'abort') {
    const transfer = transfers.get(message.id);
    if (transfer) transfer.abort(message.reason, message.quiet);
    else if (transfers.has(message.id)) abortsPending.set(message.id, { reason: message.reason, quiet: message.quiet });
  }
});

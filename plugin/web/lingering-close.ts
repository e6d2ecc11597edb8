// Lingering close, as Apache and nginx do it: when dploy refuses a request
// before reading its body (too large, wrong token, wrong type), the client is
// still sending. Closing the socket at once makes the kernel answer the
// client's next segment with a reset, and a reset can destroy the refusal
// before the client has read it: the machine's console then shows
// "connection reset" instead of the reason. So the answer goes out with a
// FIN, what the client still sends is read and thrown away, and the socket
// closes when the client is done, or after LINGER_MS, or past LINGER_BYTES.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const LINGER_MS = 5_000;
/** More than a client that ignores the answer may make us read for nothing. */
const LINGER_BYTES = 64 * 2 ** 20;
/**
 * For a client that did not even authenticate: enough for a machine with a
 * wrong token to read why (a usual inventory is 3–30 KiB gzip), no more.
 */
export const UNAUTHENTICATED_LINGER_BYTES = 2 * 2 ** 20;

/**
 * `lingering` holds the sockets still draining, so that a server closing does
 * not wait out their linger (its timer is unref'd and would not keep the
 * process alive for it).
 */
export function lingerBeforeClose(request: IncomingMessage, lingering: Set<Socket>, limitBytes = LINGER_BYTES): void {
  const socket = request.socket as Socket & { destroySoon?: () => void };
  if (request.complete || socket.destroyed) return;
  // Node's HTTP server calls destroySoon() once a Connection: close answer is written.
  socket.destroySoon = () => {
    socket.end();
    let discarded = 0;
    const stop = () => socket.destroy();
    const timer = setTimeout(stop, LINGER_MS);
    timer.unref();
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limitBytes) stop();
    });
    socket.once('end', stop);
    lingering.add(socket);
    socket.once('close', () => {
      clearTimeout(timer);
      lingering.delete(socket);
    });
    socket.resume();
  };
}

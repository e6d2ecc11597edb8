// The listener's receive buffer. A boot storm sends its read requests within
// milliseconds; while the main thread opens transfers they wait in the socket's
// buffer, and what does not fit is dropped by the kernel before dploy sees it
// (the client then retries after its timeout, seconds later). Linux's default
// (net.core.rmem_default, 208 KiB) holds about 200 requests on loopback: each
// datagram is charged its whole buffer, not its 40 bytes.

import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

export interface ReceiveBuffer {
  requested: number;
  /** What getsockopt(SO_RCVBUF) reads back: Linux doubles the request for its bookkeeping, after capping it. */
  effective: number;
  /** net.core.rmem_max when readable: the cap on the request for a process without CAP_NET_ADMIN. */
  kernelMax: number | undefined;
}

/**
 * Asks for `bytes`; the kernel silently caps the request at net.core.rmem_max
 * (SO_RCVBUFFORCE would pass it, but needs CAP_NET_ADMIN, which dploy's unit
 * does not grant), so the effective size is read back and reported.
 */
export function widenReceiveBuffer(socket: Socket, bytes: number): ReceiveBuffer {
  try {
    socket.setRecvBufferSize(bytes);
  } catch {
    // Refused outright (not Linux's silent cap): the read-back shows what is left.
  }
  return { requested: bytes, effective: socket.getRecvBufferSize(), kernelMax: rmemMax() };
}

function rmemMax(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return undefined;
  }
}

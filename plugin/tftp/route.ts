// The contract between the TFTP server and what it serves (the Tinkerbell way):
// an ordered chain of routes, the first that claims a path serves it.

import type { TransferMode } from './packet.js';

export interface TftpRequest {
  /** Root-relative, normalised: no leading "/", no "." or ".." segments, no "//". */
  path: string;
  /** The name exactly as the client sent it (printable ASCII), for logs. */
  rawPath: string;
  clientAddress: string;
  clientPort: number;
  /** The local address the request arrived on (what the reply is sent from). */
  localAddress: string;
  mode: TransferMode;
  /** Options the client sent, names lower-cased (RFC 2347). */
  options: ReadonlyMap<string, string>;
}

export interface TftpSource {
  /** Exact size in bytes: answered as tsize (RFC 2349) and fixes the last block. */
  readonly size: number;
  /**
   * Bytes [offset, offset + length), shorter only at the end. The result may be
   * a view of memory shared by every transfer: callers never write into it.
   */
  read(offset: number, length: number): Buffer | Promise<Buffer>;
  /**
   * The whole content, when it is in memory: such a source can be served by a
   * transfer worker thread (transfer-pool.ts); others stay on the main thread.
   */
  readonly bytes?: Buffer;
  /** Called once when the transfer ends, however it ends. */
  close(): void | Promise<void>;
}

export interface TftpRoute {
  name: string;
  /**
   * Undefined: not this route's path, the next route is asked. Throwing a
   * DployError DPLOY_ERR_TFTP_ACCESS_DENIED refuses the request (TFTP error 2).
   */
  open(request: TftpRequest): Promise<TftpSource | undefined>;
}

/** The part of pino's interface the TFTP service uses: fastify's logger fits. */
export interface TftpLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): TftpLogger;
}

/** A source over bytes already in memory (live content, cached files). */
export function bufferSource(bytes: Buffer): TftpSource {
  return {
    size: bytes.length,
    bytes,
    read: (offset, length) => bytes.subarray(offset, offset + length),
    close: () => undefined,
  };
}

// The TFTP service's settings, checked once at start and frozen (the Fastify
// way). Defaults suit a boot storm of a few hundred machines on one LAN.

import { DployError } from '../errors.js';

export interface TftpServerOptions {
  /** Listen address; 0.0.0.0 / :: listen on each interface address (see listen-addresses.ts). */
  address: string;
  /** 69 in production (needs CAP_NET_BIND_SERVICE), 6969 in development, 0 in tests. */
  port: number;
  /** Largest blksize offered (RFC 2348: 8–65464). */
  maxBlksize?: number;
  /** Largest windowsize offered (RFC 7440); 1 turns windows off. */
  maxWindowsize?: number;
  /** Largest window in bytes (windowsize × blksize): one window is one burst. */
  maxWindowBytes?: number;
  /** Retransmission interval when the client sent no timeout option (RFC 2349). */
  retransmitMs?: number;
  /** Retransmissions of one window without progress before the transfer is dropped. */
  maxRetries?: number;
  /** A transfer longer than this is ended, whatever its progress. */
  deadlineMs?: number;
  /** Transfers at once (including requests still being opened); past it: ERROR "busy". */
  maxTransfers?: number;
  /** false: with 0.0.0.0 keep one wildcard socket (replies then leave from the route's address). */
  bindEachAddress?: boolean;
  /** Transfer threads; 0 runs every transfer on the main thread (node:dgram). */
  workers?: number;
  /** What the transfer threads run: the C engine (native-engine.ts) or node:dgram worker threads (transfer-pool.ts). */
  engine?: TftpEngine;
  /**
   * SO_RCVBUF asked for each listener: a boot storm's read requests queue in
   * it while the main thread opens transfers. The kernel caps it at
   * net.core.rmem_max (docs/tftp.md, "Bursts").
   */
  receiveBufferBytes?: number;
}

export type TftpEngine = 'native' | 'node';

export type TftpSettings = Readonly<Required<TftpServerOptions>>;

const DEFAULTS = {
  maxBlksize: 65464,
  maxWindowsize: 64,
  maxWindowBytes: 64 * 1024,
  retransmitMs: 1000,
  maxRetries: 5,
  deadlineMs: 10 * 60_000,
  maxTransfers: 1000,
  bindEachAddress: true,
  workers: 0,
  engine: 'native' as TftpEngine,
  receiveBufferBytes: 4 * 2 ** 20,
};

const RANGES: Record<keyof typeof DEFAULTS & string, [number, number] | undefined> = {
  maxBlksize: [8, 65464],
  maxWindowsize: [1, 65535],
  maxWindowBytes: [8, 16 * 2 ** 20],
  retransmitMs: [10, 255_000],
  maxRetries: [0, 100],
  deadlineMs: [1000, 24 * 3_600_000],
  maxTransfers: [1, 100_000],
  bindEachAddress: undefined,
  workers: [0, 64],
  engine: undefined,
  receiveBufferBytes: [64 * 1024, 256 * 2 ** 20],
};

export function resolveTftpSettings(options: TftpServerOptions): TftpSettings {
  const settings: Required<TftpServerOptions> = { ...DEFAULTS, ...stripUndefined(options), address: options.address, port: options.port };
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535) {
    throw new DployError('DPLOY_ERR_CONFIG', `tftp.port ${settings.port} is not a UDP port (0–65535)`);
  }
  if (settings.engine !== 'native' && settings.engine !== 'node') {
    throw new DployError('DPLOY_ERR_CONFIG', `tftp.engine ${String(settings.engine)} is not native or node`);
  }
  for (const [name, range] of Object.entries(RANGES)) {
    const value = settings[name as keyof typeof settings];
    if (range && (!Number.isInteger(value) || (value as number) < range[0] || (value as number) > range[1])) {
      throw new DployError('DPLOY_ERR_CONFIG', `tftp.${name} ${String(value)} is outside ${range[0]}–${range[1]}`);
    }
  }
  return Object.freeze(settings);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

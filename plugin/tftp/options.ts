// Option negotiation (RFC 2347): the server answers only the options it
// understood, with values it accepts; a bad or absurd value is ignored (the
// transfer then uses the RFC 1350 default), never fatal.

export interface TftpLimits {
  /** Largest DATA payload offered (RFC 2348 allows 8–65464). */
  maxBlksize: number;
  /** Largest window offered (RFC 7440 allows 1–65535). */
  maxWindowsize: number;
  /**
   * Largest window in bytes: a window is sent as one burst, and a burst bigger
   * than the client's socket buffer (Linux: 208 KiB) is lost whole.
   */
  maxWindowBytes: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  /** Retransmission interval the client asked for (RFC 2349), in ms; undefined: server default. */
  timeoutMs: number | undefined;
  /** What goes into the OACK; empty means no OACK, DATA block 1 comes first. */
  oack: Map<string, string>;
}

const BLKSIZE_MIN = 8;
const BLKSIZE_MAX = 65464;
const WINDOWSIZE_MAX = 65535;
const TIMEOUT_MAX_S = 255;

/** A decimal option value, or NaN for anything else ("1e3", " 512", "0x200", 40 digits). */
function decimal(value: string | undefined): number {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return NaN;
  return Number(value);
}

export function negotiateOptions(asked: ReadonlyMap<string, string>, size: number, limits: TftpLimits): Negotiated {
  const result: Negotiated = { blksize: 512, windowsize: 1, timeoutMs: undefined, oack: new Map() };
  const blksize = decimal(asked.get('blksize'));
  if (blksize >= BLKSIZE_MIN) {
    // RFC 2348: answer the asked size or a smaller one.
    result.blksize = Math.min(blksize, BLKSIZE_MAX, limits.maxBlksize);
    result.oack.set('blksize', String(result.blksize));
  }
  // RFC 2349: the client sends tsize 0 on a read request; the server answers the size.
  if (asked.has('tsize') && decimal(asked.get('tsize')) === 0) result.oack.set('tsize', String(size));
  const timeout = decimal(asked.get('timeout'));
  // RFC 2349: 1–255 seconds, and the server must echo the value unchanged or ignore it.
  if (timeout >= 1 && timeout <= TIMEOUT_MAX_S) {
    result.timeoutMs = timeout * 1000;
    result.oack.set('timeout', String(timeout));
  }
  const windowsize = decimal(asked.get('windowsize'));
  if (windowsize >= 1) {
    const byBytes = Math.max(1, Math.floor(limits.maxWindowBytes / result.blksize));
    result.windowsize = Math.min(windowsize, WINDOWSIZE_MAX, limits.maxWindowsize, byBytes);
    result.oack.set('windowsize', String(result.windowsize));
  }
  return result;
}

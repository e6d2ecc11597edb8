// What transfers have sent so far, counted as it is sent (not when a transfer
// ends), so stats() is current while a 32 MiB initrd is still going out. A
// transfer running in a worker thread counts into memory the main thread can
// read at any time (a SharedArrayBuffer per worker): stats() stays synchronous
// and nothing crosses between threads per packet.

export interface SentCounts {
  bytesSent: number;
  packetsSent: number;
  retransmits: number;
}

const FIELDS = 3;

/** Counts over shared memory; one thread writes them (the worker), any thread reads. */
export class SharedSentCounts implements SentCounts {
  /** Float64: exact integers up to 2^53 bytes, far past any uptime. */
  private readonly cells: Float64Array;

  constructor(readonly memory: SharedArrayBuffer = new SharedArrayBuffer(FIELDS * Float64Array.BYTES_PER_ELEMENT)) {
    this.cells = new Float64Array(memory);
  }

  get bytesSent(): number {
    return this.cells[0]!;
  }
  set bytesSent(value: number) {
    this.cells[0] = value;
  }
  get packetsSent(): number {
    return this.cells[1]!;
  }
  set packetsSent(value: number) {
    this.cells[1] = value;
  }
  get retransmits(): number {
    return this.cells[2]!;
  }
  set retransmits(value: number) {
    this.cells[2] = value;
  }
}

export function addSentCounts(into: SentCounts, from: Readonly<SentCounts>): void {
  into.bytesSent += from.bytesSent;
  into.packetsSent += from.packetsSent;
  into.retransmits += from.retransmits;
}

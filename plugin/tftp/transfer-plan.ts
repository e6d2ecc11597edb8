// What a transfer is told before it starts (from option negotiation and the
// settings) and what it reports when it ends (for stats and the log).

export interface TransferPlan {
  blksize: number;
  windowsize: number;
  /** What to send before DATA 1 (RFC 2347); undefined: DATA 1 comes first. */
  oack: Buffer | undefined;
  retransmitMs: number;
  maxRetries: number;
  deadlineMs: number;
}

export type TransferOutcome = 'completed' | 'timeout' | 'deadline' | 'client-error' | 'aborted' | 'failed';

export interface TransferResult {
  outcome: TransferOutcome;
  detail: string;
  bytesSent: number;
  packetsSent: number;
  retransmits: number;
}

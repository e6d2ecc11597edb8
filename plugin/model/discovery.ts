// A discovery as it crosses the layers: the document a machine posted, and
// what writing it into dploy's tables (and the host tool's) made of it.

import type { Host } from './host.js';

export interface RawDocument {
  format: 'xml' | 'json';
  /** The document as received (after transfer decoding). */
  body: Buffer;
  /** Address it came from (OCS keeps it as the computer's IPSRC). */
  remoteAddress?: string;
  /** The body's sha256 when the caller already computed it (the parse thread does for large documents). */
  sha256?: string;
  /** The body as the client gzip-compressed it: kept as received instead of compressing it again. */
  gzip?: Buffer;
  /** The operator lets any post re-inventory a known machine (agent.rediscoverKnownHosts); else only a discover job may. */
  rediscover?: boolean;
  /** Distinct documents kept per host (agent.inventoriesKept); older ones are deleted when a new one is stored. */
  keepDocuments?: number;
}

export interface RecordedMachine {
  host: Host;
  created: boolean;
  /** Hardware that changed since the last inventory, in words ("disk /dev/sdb added"). */
  changes: string[];
  /** The host has an unfinished job an agent event may move; false lets a caller skip looking for one. */
  activeJob: boolean;
}

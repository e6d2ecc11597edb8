// One kept-open TLS connection per Redfish BMC (HTTP/1.1 keep-alive): a
// verified cycle's half-dozen requests share one handshake instead of paying
// one each, which was most of dploy's CPU per action (docs/benchmarks.md).
// The connection is still opened by bmc-tls.ts and judged (CA, pin or the
// BMC's own `insecure`) before a byte goes out. Connections are keyed by all
// that decides trust, so a BMC pinned again never reuses a socket judged under
// the old pin. At most one socket per BMC: two requests to one BMC wait for
// each other here too. An idle socket is closed before the BMC would close it
// (its Keep-Alive hint less 1 s, else after IDLE_MS), so a request rarely meets
// a socket the BMC has just dropped.

import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { connectBmcTls } from '../bmc-tls.js';
import { bmcKey, type BmcTarget } from '../driver.js';

/** Below the 5 s keep-alive timeout of Apache, lighttpd and Node's own server, which BMC web servers are built on. */
const IDLE_MS = 4000;

/** What a request to a BMC tells its connection pool. */
export interface BmcConnectionArgs extends ClientRequestArgs {
  bmc: BmcTarget;
  budgetMs: number;
  where: string;
}

/** Everything a connection was judged on: same BMC, same trust, same socket. */
function trustKey(bmc: BmcTarget): string {
  const tls = bmc.tls ?? {};
  return `${bmcKey(bmc)} pin=${tls.pinnedSha256 ?? ''} insecure=${tls.insecure === true} tls10=${tls.legacyTls10 === true}`;
}

export class BmcConnections extends Agent {
  constructor() {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, timeout: IDLE_MS, scheduling: 'lifo' });
  }

  override getName(options?: ClientRequestArgs): string {
    return trustKey((options as BmcConnectionArgs).bmc);
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const { bmc, budgetMs, where } = options as BmcConnectionArgs;
    connectBmcTls(bmc, 443, budgetMs, where).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

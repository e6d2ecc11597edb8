// A transfer's TID (RFC 1350 §4) as two sockets on one local address and port.
// The first is connect()ed to the client: the kernel then delivers only the
// client's packets to it, caches the route, and sends need no address, which
// takes about a fifth off the cost of each DATA packet. The second, unconnected,
// receives what anyone else sends to that port, so a stranger still gets
// ERROR 5. Linux hands a datagram to the connected socket when it matches the
// sender, to the unconnected one otherwise (both are bound with SO_REUSEADDR).

import type { Socket } from 'node:dgram';
import { bindUdp } from './listen-addresses.js';

export interface TransferSockets {
  /** Connected to the client: DATA out, the client's ACKs and ERRORs in. */
  client: Socket;
  /** Same port, unconnected: packets from anyone else. */
  strangers: Socket;
}

export async function openTransferSockets(localAddress: string, clientAddress: string, clientPort: number): Promise<TransferSockets> {
  const client = await bindUdp(localAddress, 0, true);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.connect(clientPort, clientAddress, () => {
        client.removeListener('error', reject);
        resolve();
      });
    });
    const strangers = await bindUdp(localAddress, client.address().port, true);
    return { client, strangers };
  } catch (err) {
    client.close();
    throw err;
  }
}

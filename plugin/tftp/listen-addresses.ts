// Where the service listens, and the sockets each transfer gets.
//
// A TFTP client only accepts DATA from the address it sent its request to; a
// socket bound to 0.0.0.0 cannot tell which local address a request arrived on
// (Node has no IP_PKTINFO), so on a multi-homed boot server it may answer from
// the wrong one. Like dnsmasq's bind-interfaces, 0.0.0.0 (or ::) becomes one
// listener per interface address, and each transfer socket is bound to the
// address of the listener that got the request (transfer-socket.ts).

import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export function expandListenAddress(address: string, bindEach: boolean, interfaces: Interfaces = networkInterfaces()): string[] {
  const family = address === '0.0.0.0' ? 'IPv4' : address === '::' ? 'IPv6' : undefined;
  if (!family || !bindEach) return [address];
  const addresses: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      // Link-local IPv6 needs a scope id per interface; PXE uses IPv4 or routable IPv6.
      if (info.family === family && !info.address.startsWith('fe80:')) addresses.push(info.address);
    }
  }
  return addresses.length > 0 ? [...new Set(addresses)] : [address];
}

/**
 * Replies go to the IP literal a packet came from: resolving it through
 * dns.lookup() would only add a deferred callback to every DATA packet sent.
 */
function literalLookup(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

export function bindUdp(address: string, port: number, reuseAddr = false): Promise<Socket> {
  const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', lookup: literalLookup as never, reuseAddr });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      try {
        socket.close();
      } catch {
        // already closed by the failed bind
      }
      reject(err);
    });
    socket.bind({ address, port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

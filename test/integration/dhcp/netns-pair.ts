// Two network namespaces of the test's own joined by a veth pair: the DHCP
// server on one end (192.0.2.1/24, TEST-NET-1, RFC 5737), a client on the
// other. Nothing touches the machine's real interfaces; remove() deletes both
// namespaces, which also destroys the veth pair and kills nothing else.

import { execFileSync } from 'node:child_process';
import { DHCP_TOOLS } from './debian-tools.js';

export interface NetnsPair {
  server: string;
  client: string;
  serverIf: string;
  clientIf: string;
  serverAddress: string;
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync(DHCP_TOOLS.ip.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createNetnsPair(): NetnsPair {
  if (process.getuid?.() !== 0) throw new Error('creating network namespaces needs root (CAP_NET_ADMIN); run the DHCP traffic test as root');
  const tag = `${process.pid % 100000}`;
  const pair: NetnsPair = {
    server: `dploy-dhcp-s${tag}`,
    client: `dploy-dhcp-c${tag}`,
    serverIf: `dpls${tag}`,
    clientIf: `dplc${tag}`,
    serverAddress: '192.0.2.1',
    remove() {
      for (const ns of [pair.server, pair.client]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          // already gone
        }
      }
    },
  };
  pair.remove();
  try {
    ip('netns', 'add', pair.server);
    ip('netns', 'add', pair.client);
    ip('link', 'add', pair.serverIf, 'type', 'veth', 'peer', 'name', pair.clientIf);
    ip('link', 'set', pair.serverIf, 'netns', pair.server);
    ip('link', 'set', pair.clientIf, 'netns', pair.client);
    ip('-n', pair.server, 'addr', 'add', `${pair.serverAddress}/24`, 'dev', pair.serverIf);
    ip('-n', pair.server, 'link', 'set', 'lo', 'up');
    ip('-n', pair.server, 'link', 'set', pair.serverIf, 'up');
    ip('-n', pair.client, 'link', 'set', pair.clientIf, 'up');
  } catch (err) {
    pair.remove();
    throw err;
  }
  return pair;
}

/** Gives the client's NIC the MAC of the machine being simulated. */
export function setClientMac(pair: NetnsPair, mac: string): void {
  ip('-n', pair.client, 'link', 'set', pair.clientIf, 'address', mac);
}

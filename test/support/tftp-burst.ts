// A burst of TFTP read requests on loopback, as a rack powering on at once
// sends them: `count` clients, each on its own UDP port, every request sent
// before the first answer is read. Each DATA is acknowledged (a real client's
// one-block transfer); an ERROR (e.g. "busy") is counted apart. The kernel's
// own count of datagrams dropped at the listener's full receive buffer is read
// from /proc/net/udp, so a shortfall names its cause.

import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

export interface BurstOutcome {
  sent: number;
  /** Clients that got DATA block 1. */
  answered: number;
  /** Clients that got an ERROR instead. */
  refused: number;
  /** Datagrams the kernel dropped at the listener's socket during the burst (/proc/net/udp "drops"). */
  kernelDrops: number;
  /** From the first request sent to the last first answer received. */
  ms: number;
}

function rrq(filename: string): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${filename}\0octet\0`, 'latin1')]);
}

/** The drops counter of the IPv4 UDP socket bound to 127.0.0.1:port (summed if several, e.g. SO_REUSEPORT). */
export function listenerDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] === local)
    .reduce((sum, fields) => sum + Number(fields[fields.length - 1]), 0);
}

export async function readRequestBurst(port: number, count: number, filename: string, quietMs = 3000): Promise<BurstOutcome> {
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = createSocket('udp4');
          socket.bind(0, '127.0.0.1', () => resolve(socket));
        }),
    ),
  );
  const dropsBefore = listenerDrops(port);
  let answered = 0;
  let refused = 0;
  let lastAnswer = 0;
  const started = performance.now();
  const allIn = new Promise<void>((resolve) => {
    let quiet = setTimeout(resolve, quietMs);
    for (const socket of sockets) {
      let first = true;
      socket.on('message', (msg, rinfo) => {
        const opcode = msg.readUInt16BE(0);
        if (opcode === 3) socket.send(Buffer.from([0, 4, msg[2]!, msg[3]!]), rinfo.port, rinfo.address);
        if (!first) return;
        first = false;
        if (opcode === 3) answered++;
        else refused++;
        lastAnswer = performance.now();
        clearTimeout(quiet);
        if (answered + refused === count) resolve();
        else quiet = setTimeout(resolve, quietMs);
      });
    }
  });
  const request = rrq(filename);
  for (const socket of sockets) socket.send(request, port, '127.0.0.1');
  await allIn;
  // Let the last ACKs leave before the sockets close.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  return { sent: count, answered, refused, kernelDrops: listenerDrops(port) - dropsBefore, ms: lastAnswer - started };
}

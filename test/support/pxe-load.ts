// The load of issue 20's M1 finding, shared by its CI test
// (test/integration/security/pxe-under-load.test.ts) and its benchmark
// (test/bench/tftp-load.bench.ts): machines posting worst-case inventories
// while a PXE client fetches its boot config over TFTP and a monitor polls
// /healthz. Each side records the latency of every answer.

import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { machineDocument } from './trust-server.js';

const gzipAsync = promisify(gzip);

/**
 * The worst case per byte for lshw parsing: the fixture with 36,000 memory
 * banks added (150k nodes, 3.5 MiB), gzipped as the agent sends it. Every
 * MAC makes a new machine, so each post goes the whole way (parse, identity,
 * store).
 */
export function worstCaseInventory(mac: string): Promise<Buffer> {
  // Built once: the load generator shares the cores with the server it measures.
  BANKS ??= Array.from(
    { length: 36_000 },
    (_, i) => `<node id="bank:${i}" class="memory"><description>DIMM</description><size units="bytes">1</size></node>`,
  ).join('');
  const banks = BANKS;
  return gzipAsync(machineDocument(mac).replace(/<node id="core"[^>]*>/, (core) => core + banks));
}

let BANKS: string | undefined;

export function loadMac(poster: number, post: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:00:${hex(0xc0 + poster)}:${hex(post >> 8)}:${hex(post & 0xff)}`;
}

/** `clients` machines posting one worst-case inventory after another until `running()` is false; resolves with every answer's status. */
export async function postWorstCaseInventories(url: string, token: string, clients: number, running: () => boolean): Promise<number[]> {
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, poster) => {
      for (let post = 0; running(); post++) {
        const body = await worstCaseInventory(loadMac(poster, post));
        const response = await fetch(`${url}/agent/v1/inventory`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': token },
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    }),
  );
  return statuses;
}

/**
 * One TFTP read of `path` as a PXE client does it: a fresh UDP port (its
 * transfer ID), RRQ, an ACK for each DATA until the short last block. Resolves
 * with the whole file and the milliseconds from RRQ to the last DATA.
 */
export function tftpFetch(port: number, path: string, limitMs = 5000): Promise<{ ms: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const blocks: Buffer[] = [];
    const timer = setTimeout(() => finish(new Error(`no TFTP answer for ${path} within ${limitMs} ms`)), limitMs);
    let started = 0;
    let done = false;
    const finish = (err?: Error, ms = 0) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve({ ms, text: Buffer.concat(blocks).toString('latin1') });
    };
    let tid: number | undefined;
    socket.on('message', (msg, rinfo) => {
      // As a PXE ROM: the first answer's port is the transfer (RFC 1350 TID); anything else is a stranger, such as a
      // late retransmission to an earlier fetch that had this same ephemeral port.
      if (tid !== undefined && rinfo.port !== tid) return;
      const opcode = msg.readUInt16BE(0);
      if (opcode === 5) return finish(new Error(`TFTP ERROR ${msg.readUInt16BE(2)}: ${msg.subarray(4, msg.length - 1).toString()}`));
      if (opcode !== 3) return;
      const block = msg.readUInt16BE(2);
      if (block > blocks.length + 1) return; // not this transfer's next block
      tid = rinfo.port;
      const fresh = block === blocks.length + 1;
      if (fresh) blocks.push(msg.subarray(4));
      const last = fresh && msg.length < 4 + 512;
      const ms = performance.now() - started;
      // dgram sends on the next tick: closing before the last ACK left would drop it, and the server would
      // keep resending the last DATA to a port the next fetch may be given again.
      socket.send(Buffer.from([0, 4, msg[2]!, msg[3]!]), rinfo.port, rinfo.address, () => last && finish(undefined, ms));
    });
    // A PXE ROM sends its read request again after a second without an answer; the time measured is the machine's,
    // from the first request.
    const request = Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${path}\0octet\0`, 'latin1')]);
    const resend = setInterval(() => tid === undefined && socket.send(request, port, '127.0.0.1'), 1000);
    socket.on('close', () => clearInterval(resend));
    socket.bind(0, '127.0.0.1', () => {
      started = performance.now();
      socket.send(request, port, '127.0.0.1');
    });
  });
}

export async function httpGetMs(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

/** Calls `probe` every `everyMs` until `running()` is false; the latencies it returned, in order. */
export async function sample(probe: () => Promise<number>, everyMs: number, running: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  while (running()) {
    latencies.push(await probe());
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return latencies;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

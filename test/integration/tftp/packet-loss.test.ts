// A boot LAN loses packets: a real atftp client fetches through a small UDP
// relay that drops about 1 % of packets in both directions (fixed seed, so a
// failure replays), and still gets every byte. The npm `tftp` package aborted
// at this loss rate (docs/DEPENDENCIES.md); tftpd-hpa completes, and so must we.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { atftpGet, requireTool } from './tftp-tools.js';
import { sha256, startFixture } from './tftp-fixture.js';
import type { Fixture } from './tftp-fixture.js';

/** mulberry32: a tiny seeded PRNG, so the same packets are dropped on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Relay {
  port: number;
  dropped: number;
  forwarded: number;
  close(): void;
}

/**
 * Client → relay port → (one upstream socket per client) → server listener,
 * then the server's transfer port. Server → client replies all leave from the
 * relay port, which the client takes as the server's TID.
 */
async function lossyRelay(serverPort: number, lossRate: number, seed: number): Promise<Relay> {
  const random = seeded(seed);
  const front = createSocket('udp4');
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  const sessions = new Map<string, { up: Socket; serverPort: number }>();
  const relay: Relay = {
    port: front.address().port,
    dropped: 0,
    forwarded: 0,
    close() {
      front.close();
      for (const { up } of sessions.values()) up.close();
    },
  };
  const pass = () => {
    if (random() < lossRate) return (relay.dropped++, false);
    return (relay.forwarded++, true);
  };
  front.on('message', (msg, client) => {
    const key = `${client.address}:${client.port}`;
    let session = sessions.get(key);
    if (!session) {
      const up = createSocket('udp4');
      up.bind(0, '127.0.0.1');
      const created = { up, serverPort };
      up.on('message', (reply, server) => {
        created.serverPort = server.port;
        if (pass()) front.send(reply, client.port, client.address);
      });
      sessions.set(key, created);
      session = created;
    }
    if (pass()) session.up.send(msg, session.serverPort, '127.0.0.1');
  });
  return relay;
}

let fx: Fixture;
before(async () => {
  requireTool('atftp', 'atftp');
  fx = await startFixture({ retransmitMs: 150, maxRetries: 8 }, { 'kernel.img': 2 * 2 ** 20 + 77, 'small.img': 2 ** 18 + 5 });
});
after(() => fx?.close());

for (const { name, file, options, seed } of [
  { name: 'lock-step at blksize 512', file: 'small.img', options: ['blksize 512'], seed: 7 },
  { name: 'blksize 1468', file: 'kernel.img', options: ['blksize 1468', 'tsize 0'], seed: 11 },
  { name: 'blksize 1468 and windowsize 16', file: 'kernel.img', options: ['blksize 1468', 'windowsize 16'], seed: 13 },
]) {
  test(`atftp gets every byte through 1 % packet loss, ${name}`, async () => {
    const relay = await lossyRelay(fx.port, 0.01, seed);
    const before = fx.server.stats().retransmits;
    try {
      const local = join(fx.dir, `lossy-${seed}`);
      const result = await atftpGet({ port: relay.port, remote: file, local, options, limitMs: 90_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sha256(readFileSync(local)), sha256(fx.files.get(file)!));
      assert.ok(relay.dropped > 0, 'the relay did drop packets');
      assert.ok(fx.server.stats().retransmits > before, 'the server retransmitted what was lost');
    } finally {
      relay.close();
    }
  });
}

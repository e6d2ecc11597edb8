// The transfer rules a boot storm leans on, driven by hand with raw packets:
// transfer IDs (RFC 1350 §4), no sorcerer's apprentice on duplicate ACKs,
// retransmission, clients that vanish, the bound on concurrent transfers, the
// total deadline, and replies leaving from the address the request came to.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { atftpGet, requireTool } from './tftp-tools.js';
import { ack, errorCode, opcode, RawClient, rrq, sha256, startFixture, withRawClient, type Packet } from './tftp-fixture.js';

requireTool('atftp', 'atftp');

test('a packet from a stranger gets ERROR 5 and the transfer goes on undisturbed', async () => {
  const fx = await startFixture();
  const [owner, stranger] = [await RawClient.open(), await RawClient.open()];
  try {
    owner.send(rrq('pxelinux.0'), fx.port);
    const first = await owner.next();
    assert.equal(opcode(first), 3);
    stranger.send(ack(1), first!.rinfo.port);
    assert.equal(errorCode(await stranger.next()), 5);
    assert.equal(await owner.next(200), undefined, "the stranger's ACK moved nothing");
    owner.send(ack(1), first!.rinfo.port);
    const second = await owner.next();
    assert.equal(opcode(second), 3);
    assert.equal(second!.msg.readUInt16BE(2), 2);
  } finally {
    owner.close();
    stranger.close();
    await fx.close();
  }
});

test("a duplicate ACK sends nothing (no sorcerer's apprentice) and a missing one brings a retransmission", () =>
  withRawClient({ retransmitMs: 400 }, async (fx, client) => {
    client.send(rrq('pxelinux.0'), fx.port);
    const first = await client.next();
    client.send(ack(1), first!.rinfo.port);
    client.send(ack(1), first!.rinfo.port);
    client.send(ack(1), first!.rinfo.port);
    const second = await client.next();
    assert.equal(second!.msg.readUInt16BE(2), 2);
    assert.equal(await client.next(250), undefined, 'three ACK 1 bring exactly one DATA 2');
    const again = await client.next(1000);
    assert.equal(again!.msg.readUInt16BE(2), 2, 'DATA 2 is resent after the retransmission interval');
    assert.equal(again!.rinfo.address, '127.0.0.1');
  }));

test('a client that vanishes mid-transfer frees its slot after the retries, and the bound refuses the excess meanwhile', async () => {
  const fx = await startFixture({ maxTransfers: 8, retransmitMs: 100, maxRetries: 2 });
  const clients = await Promise.all(Array.from({ length: 30 }, () => RawClient.open()));
  try {
    // A flood: 30 requests, nobody acknowledges anything.
    for (const client of clients) client.send(rrq('pxelinux.0'), fx.port);
    const firsts = await Promise.all(clients.map((c) => c.next(1000)));
    assert.equal(firsts.filter((p) => opcode(p) === 3).length, 8, 'eight transfers started');
    const busy = firsts.filter((p) => errorCode(p) === 0);
    assert.equal(busy.length, 22);
    assert.match(busy[0]!.msg.toString('latin1', 4), /server busy/);
    assert.equal(fx.server.stats().active, 8);
    // 100 + 200 + 400 ms (two retransmissions, backing off): the vanished clients' slots come back.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const stats = fx.server.stats();
    assert.equal(stats.active, 0);
    assert.equal(stats.failed, 8);
    const result = await atftpGet({ port: fx.port, remote: 'pxelinux.0', local: join(fx.dir, 'after.got') });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sha256(readFileSync(join(fx.dir, 'after.got'))), sha256(fx.files.get('pxelinux.0')!));
    assert.ok(fx.log.lines.some((l) => l.level === 'warn' && l.msg === 'tftp transfer timeout'));
  } finally {
    for (const client of clients) client.close();
    await fx.close();
  }
});

test('a transfer still running at its deadline is ended, however slowly it progresses', () =>
  withRawClient({ deadlineMs: 1000, retransmitMs: 5000 }, async (fx, client) => {
    client.send(rrq('pxelinux.0'), fx.port);
    let last = await client.next();
    const started = Date.now();
    while (Date.now() - started < 1600 && opcode(last) === 3) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      client.send(ack(last!.msg.readUInt16BE(2)), last!.rinfo.port);
      last = await client.next(600);
    }
    assert.equal(fx.server.stats().active, 0);
    assert.ok(
      fx.log.lines.some((l) => l.msg === 'tftp transfer deadline'),
      'the deadline is logged',
    );
  }));

for (const address of ['127.0.0.2', '::1']) {
  test(`a transfer asked at ${address} is negotiated and served from ${address}, on its own port`, () =>
    withRawClient({ address }, async (fx, client) => {
      client.send(rrq('pxelinux.cfg/default', 'octet', { tsize: '0' }), fx.port, address);
      const oack = await client.next();
      assert.equal(opcode(oack), 6);
      assert.equal(oack!.rinfo.address, address, 'not the first address the kernel would pick');
      assert.notEqual(oack!.rinfo.port, fx.port, 'each transfer has its own port (its TID)');
      client.send(ack(0), oack!.rinfo.port, address);
      const data = await client.next();
      assert.equal(opcode(data), 3);
      assert.deepEqual(data!.msg.subarray(4), fx.files.get('pxelinux.cfg/default'));
      client.send(ack(1), oack!.rinfo.port, address);
    }));
}

test('a client whose port closes (ICMP port unreachable) frees its slot at the next retransmission', () =>
  withRawClient({ retransmitMs: 200, maxRetries: 5 }, async (fx, client) => {
    client.send(rrq('pxelinux.0'), fx.port);
    assert.equal(opcode(await client.next()), 3);
    client.close();
    // Retrying to the end would take 200 + 400 + … ms, over 6 s.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(fx.server.stats().active, 0);
    assert.equal(fx.server.stats().clientAborted, 1);
  }));

test('a client whose last ACK was lost asks for its next file from the same port: a new transfer answers it, the old one ends without an ERROR', () =>
  withRawClient({ retransmitMs: 300 }, async (fx, client) => {
    client.send(rrq('pxelinux.cfg/default'), fx.port);
    const first = await client.next();
    assert.equal(opcode(first), 3, 'the one-block config');
    // Its ACK of that last block never reaches the server; the client moves on from the same port, as PXE ROMs
    // do, and sends its request again each second while nothing new answers (the first is taken for a
    // retransmission: it came right after the old transfer began).
    const asked = performance.now();
    client.send(rrq('pxelinux.0'), fx.port);
    const resend = setInterval(() => client.send(rrq('pxelinux.0'), fx.port), 1000);
    const seen: Packet[] = [];
    let fresh: Packet | undefined;
    try {
      while (!fresh) {
        const packet = await client.next(2500);
        if (!packet) break;
        seen.push(packet);
        if (opcode(packet) === 3 && packet.rinfo.port !== first!.rinfo.port) fresh = packet;
      }
    } finally {
      clearInterval(resend);
    }
    assert.ok(fresh, `a DATA from a new transfer ID (seen: ${seen.map((p) => `${opcode(p)} from ${p.rinfo.port}`).join(', ') || 'nothing'})`);
    assert.ok(performance.now() - asked < 2000, "answered at the first resend, not at the old transfer's deadline");
    assert.equal(fresh.msg.readUInt16BE(2), 1);
    assert.ok(fresh.msg.subarray(4).equals(fx.files.get('pxelinux.0')!.subarray(0, 512)), "pxelinux.0's first block");
    assert.deepEqual(
      seen.filter((p) => opcode(p) === 5),
      [],
      'no ERROR from the superseded transfer (the client would take it for the answer)',
    );
    client.send(ack(1), fresh.rinfo.port);
    assert.equal(opcode(await client.next()), 3, 'the new transfer goes on');
  }));

test('an RRQ sent again while its first answer was on the way does not disturb the transfer the client is receiving', () =>
  withRawClient({}, async (fx, client) => {
    client.send(rrq('pxelinux.0'), fx.port);
    const first = await client.next();
    assert.equal(opcode(first), 3);
    client.send(rrq('pxelinux.0'), fx.port);
    client.send(ack(1), first!.rinfo.port);
    const second = await client.next();
    assert.equal(second!.rinfo.port, first!.rinfo.port, 'DATA 2 from the same transfer');
    assert.equal(second!.msg.readUInt16BE(2), 2);
    // After the hold the duplicate is dropped, not served: nothing from another transfer ID, and the transfer goes on.
    await new Promise((resolve) => setTimeout(resolve, 400));
    client.send(ack(2), first!.rinfo.port);
    let third = false;
    for (let packet = await client.next(500); packet && !third; packet = await client.next(300)) {
      assert.equal(packet.rinfo.port, first!.rinfo.port, `${opcode(packet)} from another transfer ID`);
      assert.notEqual(opcode(packet), 5, 'no ERROR');
      third = opcode(packet) === 3 && packet.msg.readUInt16BE(2) === 3;
    }
    assert.ok(third, 'DATA 3 from the transfer the client is receiving');
  }));

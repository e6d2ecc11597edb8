// What only C code can get wrong: file descriptors and threads left behind.
// Every way a transfer can end (completed, the client's ERROR, a client that
// vanished and timed out, a client whose port closed, an abort on close), many
// times over, must leave the process holding what it held before; close()
// must stop the engine's threads.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorPacket } from '../../../plugin/tftp/packet.js';
import { atftpGet, requireTool } from './tftp-tools.js';
import { ack, opcode, RawClient, rrq, startFixture, transfersSettled } from './tftp-fixture.js';
import type { Fixture } from './tftp-fixture.js';

requireTool('atftp', 'atftp');

const ROUNDS = 20;
/**
 * The process's open sockets: what a transfer holds. Not every descriptor: pipes and files of the test's own
 * helpers (atftp's stdio, tsx) close on their own schedule and moved the total by one either way on a quiet CI run.
 */
const openDescriptors = () =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed while we looked
    }
  }).length;
const engineThreads = () =>
  readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'dploy-tftp';
    } catch {
      return false; // the thread ended while we looked
    }
  }).length;

/** How the transfer of the client on this port ended, from the service's log since line `from`: "outcome detail". */
function endOf(fx: Fixture, port: number, from: number): string | undefined {
  const line = fx.log.lines.slice(from).find((l) => l.msg.startsWith('tftp transfer') && (l.obj as { client?: string }).client === `127.0.0.1:${port}`);
  return line && `${(line.obj as { outcome: string }).outcome} ${(line.obj as { detail: string }).detail}`;
}

async function until(done: () => boolean, limitMs: number): Promise<void> {
  for (const end = Date.now() + limitMs; !done() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('native engine: 200 transfers ending every way (each end checked) leave no file descriptor behind, and close() stops its threads', async () => {
  const before = openDescriptors();
  const threadsBefore = engineThreads();
  // 150 ms: a closed port's ICMP error must be read before the retransmission times out, even on a loaded CI machine
  // (at 30 ms the timeout sometimes came first, and the transfer was counted as timed out instead of port closed).
  const fx = await startFixture({ workers: 2, engine: 'native', retransmitMs: 150, maxRetries: 1 });
  assert.equal(engineThreads() - threadsBefore, 2, 'two engine threads run');
  const withFixture = openDescriptors();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const logFrom = fx.log.lines.length; // a port of an earlier round may come again
      // Completed, by a real client, three at once.
      const gets = Array.from({ length: 3 }, () => atftpGet({ port: fx.port, remote: 'pxelinux.0', local: '/dev/null', options: ['blksize 1468'] }));
      const raw = await Promise.all(Array.from({ length: 7 }, () => RawClient.open()));
      try {
        const ports = raw.map((c) => c.socket.address().port);
        for (const client of raw) client.send(rrq('pxelinux.0', 'octet', { blksize: '1024' }), fx.port);
        const firsts = await Promise.all(raw.map((client) => client.next()));
        assert.ok(
          firsts.every((p) => opcode(p) === 6),
          `round ${round}: each raw client got its OACK`,
        );
        // The client's ERROR (a PXE ROM's tsize probe ends so).
        raw[0]!.send(errorPacket(8, 'tsize probe'), firsts[0]!.rinfo.port);
        raw[1]!.send(errorPacket(0, 'user abort'), firsts[1]!.rinfo.port);
        // A stranger on a transfer port, then that transfer completes by hand-made ACKs.
        raw[3]!.send(ack(0), firsts[2]!.rinfo.port);
        let block = 0;
        for (let next = await (raw[2]!.send(ack(0), firsts[2]!.rinfo.port), raw[2]!.next()); next && opcode(next) === 3; next = await raw[2]!.next()) {
          block = next.msg.readUInt16BE(2);
          raw[2]!.send(ack(block), firsts[2]!.rinfo.port);
          if (next.msg.length < 4 + 1024) break;
        }
        assert.equal(block, Math.floor(fx.files.get('pxelinux.0')!.length / 1024) + 1, 'the hand-driven transfer reached its last block');
        // Closed port (ICMP unreachable at the next retransmission); raw[3] and raw[4] go silent and time out.
        raw[5]!.close();
        raw[6]!.close();
        const results = await Promise.all(gets);
        assert.ok(
          results.every((r) => r.code === 0),
          results.map((r) => r.stderr).join('\n'),
        );
        await until(() => ports.every((port) => endOf(fx, port, logFrom) !== undefined), 5000);
        assert.deepEqual(
          ports.map((port) => endOf(fx, port, logFrom)),
          [
            'client-error 8 tsize probe',
            'client-error 0 user abort',
            'completed ',
            'timeout no ACK after 1 retransmissions of block 0',
            'timeout no ACK after 1 retransmissions of block 0',
            'client-error client port closed',
            'client-error client port closed',
          ],
          `round ${round}`,
        );
      } finally {
        // Also when an assertion failed: an open socket would keep the test process alive forever.
        for (const client of raw) client.close();
      }
      await transfersSettled(fx.server, 3000);
    }
    assert.equal(fx.server.stats().active, 0);
    // Every kind of end happened.
    const stats = fx.server.stats();
    assert.deepEqual([stats.completed, stats.clientAborted, stats.failed], [ROUNDS * 4, ROUNDS * 4, ROUNDS * 2]);
    // At most as many: a leak only adds sockets, and the runner's own (Node 24's child stdio socketpairs) may close meanwhile.
    const after = openDescriptors();
    assert.ok(after <= withFixture, `the engine holds no socket of an ended transfer: ${after} sockets open, ${withFixture} before the rounds`);
    // An abort on close: one transfer still running when the server closes.
    const late = await RawClient.open();
    late.send(rrq('pxelinux.0'), fx.port);
    assert.equal(opcode(await late.next()), 3);
    await fx.close();
    assert.match((await late.next())!.msg.toString('latin1', 4), /shutting down/);
    late.close();
  } finally {
    await fx.close().catch(() => undefined);
  }
  assert.equal(engineThreads(), threadsBefore, 'close() stopped the engine threads');
  const left = openDescriptors();
  assert.ok(left <= before, `nothing of the server is left open: ${left} sockets open, ${before} before the server`);
});

for (const [name, options] of [
  ['native engine', { workers: 1, engine: 'native' }],
  ['main thread', { workers: 0 }],
] as const) {
  test(`${name}: on one wildcard socket (0.0.0.0, bindEachAddress false) a transfer answers from its own port, strangers there get ERROR 5`, async () => {
    const fx = await startFixture({ ...options, address: '0.0.0.0', bindEachAddress: false });
    const [client, stranger] = await Promise.all([RawClient.open(), RawClient.open()]);
    try {
      client.send(rrq('pxelinux.cfg/default'), fx.port);
      const data = await client.next();
      assert.equal(opcode(data), 3);
      assert.notEqual(data!.rinfo.port, fx.port, 'the transfer has its own port');
      stranger.send(ack(1), data!.rinfo.port);
      const refused = await stranger.next();
      assert.equal(opcode(refused), 5);
      assert.equal(refused!.msg.readUInt16BE(2), 5, 'unknown transfer ID');
      client.send(ack(1), data!.rinfo.port);
      await until(() => fx.server.stats().completed === 1, 2000);
      assert.equal(fx.server.stats().completed, 1);
      assert.equal(data!.msg.toString('latin1', 4), readFileSync(`${fx.root}/pxelinux.cfg/default`, 'latin1'));
    } finally {
      client.close();
      stranger.close();
      await fx.close();
    }
  });
}

test('native engine: an empty file is one empty DATA block, with and without an OACK', async () => {
  const fx = await startFixture({ workers: 1, engine: 'native' });
  const client = await RawClient.open();
  try {
    writeFileSync(`${fx.root}/empty.cfg`, '');
    client.send(rrq('empty.cfg'), fx.port);
    const data = await client.next();
    assert.equal(opcode(data), 3);
    assert.equal(data!.msg.length, 4, 'DATA 1 with no payload');
    client.send(ack(1), data!.rinfo.port);
    client.send(rrq('empty.cfg', 'octet', { tsize: '0', blksize: '1428' }), fx.port);
    const oack = await client.next();
    assert.equal(opcode(oack), 6);
    assert.ok(oack!.msg.includes(Buffer.from('tsize\x000\x00', 'latin1')), 'tsize 0 answered');
    client.send(ack(0), oack!.rinfo.port);
    const empty = await client.next();
    assert.deepEqual([opcode(empty), empty!.msg.length], [3, 4]);
    client.send(ack(1), oack!.rinfo.port);
    await until(() => fx.server.stats().completed === 2, 2000);
    assert.equal(fx.server.stats().completed, 2);
  } finally {
    client.close();
    await fx.close();
  }
});

// Transfers on transfer threads (tftp.workers), for both engines: the native
// C engine and node:dgram worker threads. Real atftp clients and raw UDP on
// loopback. The whole TFTP suite runs on the native engine (the default); this
// file checks what only threads can get wrong, each way: work spread over the
// threads, counts adding up across them, close() reaching transfers in other
// threads; for worker threads also one that dies mid-transfer, and for the
// native engine the fallback when it is not built.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { errorPacket } from '../../../plugin/tftp/packet.js';
import { loadNativeEngine } from '../../../plugin/tftp/native-engine.js';
import { resolveTftpSettings } from '../../../plugin/tftp/settings.js';
import { TransferPool } from '../../../plugin/tftp/transfer-pool.js';
import { startTransferRunner } from '../../../plugin/tftp/transfer-runner.js';
import type { TransferResult } from '../../../plugin/tftp/transfer-plan.js';
import { atftpGet, requireTool } from './tftp-tools.js';
import { ack, errorCode, opcode, RawClient, recordingLogger, rrq, sha256, startFixture, transfersSettled } from './tftp-fixture.js';

requireTool('atftp', 'atftp');

const KERNEL = 3 * 2 ** 20 + 123;

for (const engine of ['native', 'node'] as const) {
  test(`${engine}: with two threads, concurrent atftp transfers are spread over both threads and the counts add up`, async () => {
    const fx = await startFixture({ workers: 2, engine }, { 'boot/vmlinuz': KERNEL });
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => atftpGet({ port: fx.port, remote: 'boot/vmlinuz', local: join(fx.dir, `k${i}`), options: ['blksize 1468'] })),
      );
      for (const [i, result] of results.entries()) {
        assert.equal(result.code, 0, result.stderr);
        assert.equal(sha256(readFileSync(join(fx.dir, `k${i}`))), sha256(fx.files.get('boot/vmlinuz')!));
      }
      await transfersSettled(fx.server);
      const stats = fx.server.stats();
      assert.equal(stats.engine, engine);
      assert.equal(stats.completed, 8);
      assert.equal(stats.active, 0);
      assert.equal(stats.workers.length, 2);
      assert.ok(
        stats.workers.every((w) => w.bytesSent > 0 && w.transfers === 0),
        JSON.stringify(stats.workers),
      );
      const sum = (key: 'bytesSent' | 'packetsSent' | 'retransmits') => stats.workers.reduce((n, w) => n + w[key], 0);
      assert.equal(sum('bytesSent'), stats.bytesSent);
      assert.equal(sum('packetsSent'), stats.packetsSent);
      // Every byte once, plus whatever was resent; blocks plus one OACK per transfer.
      const blocks = Math.floor(KERNEL / 1468) + 1;
      assert.equal(stats.packetsSent, 8 * (blocks + 1) + stats.retransmits);
      if (stats.retransmits === 0) assert.equal(stats.bytesSent, 8 * KERNEL);
    } finally {
      await fx.close();
    }
  });

  test(`${engine}: a live config (bytes not in shared memory) is served from a thread like cached files`, async () => {
    const fx = await startFixture({ workers: 1, engine });
    try {
      const live = await atftpGet({ port: fx.port, remote: 'pxelinux.cfg/01-52-54-00-12-34-56', local: join(fx.dir, 'live') });
      assert.equal(live.code, 0, live.stderr);
      assert.match(readFileSync(join(fx.dir, 'live'), 'utf8'), /^DEFAULT install\n/);
      await transfersSettled(fx.server);
      assert.ok(fx.server.stats().workers[0]!.bytesSent > 0, 'the worker sent it');
    } finally {
      await fx.close();
    }
  });

  test(`${engine}: close() ends transfers running in threads with an ERROR to each client, from the transfer port`, async () => {
    const fx = await startFixture({ workers: 2, retransmitMs: 5000, engine });
    const clients = await Promise.all(Array.from({ length: 4 }, () => RawClient.open()));
    try {
      for (const client of clients) client.send(rrq('pxelinux.0'), fx.port);
      const firsts = await Promise.all(clients.map((c) => c.next()));
      assert.ok(firsts.every((p) => opcode(p) === 3));
      assert.equal(fx.server.stats().active, 4);
      await fx.server.close();
      for (const [i, client] of clients.entries()) {
        const last = await client.next();
        assert.equal(errorCode(last), 0, `client ${i} got an ERROR`);
        assert.equal(last!.rinfo.port, firsts[i]!.rinfo.port, 'from the TID it knows');
        assert.match(last!.msg.toString('latin1', 4), /shutting down/);
      }
      assert.equal(fx.server.stats().active, 0);
      assert.equal(fx.server.stats().failed, 4);
    } finally {
      for (const client of clients) client.close();
      await fx.close();
    }
  });

  test(`${engine}: a PXE ROM's tsize probe then its real request from the same port is served, though the end is seen by a thread`, async () => {
    const fx = await startFixture({ workers: 1, engine });
    const client = await RawClient.open();
    try {
      for (let round = 0; round < 5; round++) {
        client.send(rrq('pxelinux.0', 'octet', { tsize: '0' }), fx.port);
        const oack = await client.next();
        assert.equal(opcode(oack), 6, `round ${round}: OACK`);
        client.send(errorPacket(8, 'tsize probe'), oack!.rinfo.port);
        client.send(rrq('pxelinux.0', 'octet', { blksize: '1456' }), fx.port);
        const again = await client.next();
        assert.equal(opcode(again), 6, `round ${round}: the second request is answered`);
        client.send(errorPacket(0, 'enough'), again!.rinfo.port);
        await transfersSettled(fx.server);
      }
    } finally {
      client.close();
      await fx.close();
    }
  });
}

test('a worker that dies mid-transfer: the client gets an ERROR from its TID, the transfer fails, a new worker serves the next one', async () => {
  const log = recordingLogger();
  const pool = new TransferPool(1, log);
  const client = await RawClient.open();
  const ends: Array<{ result: TransferResult; opened: boolean }> = [];
  const handoff = {
    localAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    clientPort: client.socket.address().port,
    plan: { blksize: 512, windowsize: 1, oack: undefined, retransmitMs: 5000, maxRetries: 5, deadlineMs: 60_000 },
    bytes: Buffer.from(new SharedArrayBuffer(4096)).fill(7),
  };
  try {
    pool.start(handoff, (result, opened) => ends.push({ result, opened }));
    const first = await client.next();
    assert.equal(opcode(first), 3);
    await pool.threads()[0]!.terminate();
    const error = await client.next();
    assert.equal(errorCode(error), 0);
    assert.equal(error!.rinfo.port, first!.rinfo.port, "the ERROR comes from the transfer's own port");
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.result.outcome, 'failed');
    assert.ok(ends[0]!.opened);
    assert.ok(log.lines.some((l) => l.level === 'error' && /transfer worker stopped/.test(l.msg)));
    assert.equal(pool.threads().length, 1, 'a new worker took its place');
    pool.start(handoff, (result, opened) => ends.push({ result, opened }));
    const next = await client.next(5000);
    assert.equal(opcode(next), 3, 'the new worker serves');
    assert.equal(pool.sent().packetsSent, 2, `counts of the dead worker are kept: ${JSON.stringify([pool.sent(), pool.workerStats()])}`);
    client.send(ack(1), next!.rinfo.port);
  } finally {
    client.close();
    await pool.close();
  }
});

test('native engine not built: the service says why and serves on node:dgram worker threads', async () => {
  const log = recordingLogger();
  const settings = resolveTftpSettings({ address: '127.0.0.1', port: 0, workers: 2, engine: 'native' });
  const { pool, engine } = startTransferRunner(settings, log, () => ({ error: 'build/native/tftp-engine.node is not built' }));
  try {
    assert.equal(engine, 'node');
    assert.ok(pool instanceof TransferPool);
    const warning = log.lines.find((l) => l.level === 'warn');
    assert.match(warning?.msg ?? '', /native engine unavailable/);
    assert.deepEqual(warning?.obj, { reason: 'build/native/tftp-engine.node is not built' });
  } finally {
    await pool?.close();
  }
});

test('the native engine is built on this machine (npm ci builds it; CI must not quietly fall back)', () => {
  const native = loadNativeEngine();
  assert.ok('binding' in native, 'error' in native ? native.error : '');
});

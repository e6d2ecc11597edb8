import assert from 'node:assert/strict';
import { test } from 'node:test';
import { negotiateOptions } from '../../../plugin/tftp/options.js';
import { ackBlock, errorPacket, oackPacket, parseReadRequest, TFTP_ERROR } from '../../../plugin/tftp/packet.js';

const LIMITS = { maxBlksize: 65464, maxWindowsize: 64, maxWindowBytes: 64 * 1024 };

function rrq(...fields: string[]): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), ...fields.map((f) => Buffer.from(`${f}\0`, 'latin1'))]);
}

test('a read request yields its file name, mode and lower-cased option names', () => {
  const parsed = parseReadRequest(rrq('pxelinux.0', 'OCTET', 'BlkSize', '1468', 'TSIZE', '0'));
  assert.ok(parsed.ok);
  assert.equal(parsed.request.filename, 'pxelinux.0');
  assert.equal(parsed.request.mode, 'octet');
  assert.deepEqual(
    [...parsed.request.options],
    [
      ['blksize', '1468'],
      ['tsize', '0'],
    ],
  );
});

test('a request whose fields are not NUL-terminated, or that has no mode, is an illegal operation', () => {
  for (const packet of [Buffer.from([0, 1, 0x61, 0x62]), rrq('file'), Buffer.concat([rrq('file'), Buffer.from('octet')]), rrq('', 'octet')]) {
    const parsed = parseReadRequest(packet);
    assert.equal(parsed.ok, false, packet.toString('hex'));
    assert.equal(!parsed.ok && parsed.code, TFTP_ERROR.illegalOperation);
  }
});

test('mail mode and unknown modes are refused with a message naming octet', () => {
  const parsed = parseReadRequest(rrq('file', 'mail'));
  assert.equal(parsed.ok, false);
  assert.match(!parsed.ok ? parsed.message : '', /octet/);
});

test('an option value longer than 255 bytes makes the request malformed, not a crash', () => {
  const parsed = parseReadRequest(rrq('file', 'octet', 'blksize', '9'.repeat(100_000)));
  assert.equal(parsed.ok, false);
});

test('blksize is clamped to the configured maximum and an absurd one is ignored', () => {
  assert.equal(negotiateOptions(new Map([['blksize', '65464']]), 10, { ...LIMITS, maxBlksize: 1468 }).blksize, 1468);
  assert.equal(negotiateOptions(new Map([['blksize', '99999']]), 10, LIMITS).blksize, 65464);
  for (const absurd of ['0', '7', '-1', '1e3', '0x200', ' 512', '99999999999999999999', '']) {
    const n = negotiateOptions(new Map([['blksize', absurd]]), 10, LIMITS);
    assert.equal(n.blksize, 512, absurd);
    assert.equal(n.oack.has('blksize'), false, absurd);
  }
});

test('tsize is answered with the size, timeout echoed only within 1–255 s', () => {
  const n = negotiateOptions(
    new Map([
      ['tsize', '0'],
      ['timeout', '3'],
    ]),
    33_554_432,
    LIMITS,
  );
  assert.deepEqual(
    [...n.oack],
    [
      ['tsize', '33554432'],
      ['timeout', '3'],
    ],
  );
  assert.equal(n.timeoutMs, 3000);
  assert.equal(negotiateOptions(new Map([['timeout', '256']]), 1, LIMITS).oack.size, 0);
  assert.equal(negotiateOptions(new Map([['timeout', '0']]), 1, LIMITS).oack.size, 0);
});

test('windowsize is clamped so that one window stays within the byte budget', () => {
  assert.equal(negotiateOptions(new Map([['windowsize', '16']]), 1, LIMITS).windowsize, 16);
  assert.equal(negotiateOptions(new Map([['windowsize', '1000']]), 1, LIMITS).windowsize, 64);
  const big = negotiateOptions(
    new Map([
      ['blksize', '8192'],
      ['windowsize', '64'],
    ]),
    1,
    LIMITS,
  );
  assert.equal(big.windowsize, 8);
  assert.equal(big.oack.get('windowsize'), '8');
});

test('unknown options are left out of the OACK; with none known there is no OACK', () => {
  assert.equal(
    negotiateOptions(
      new Map([
        ['multicast', ''],
        ['rollover', '1'],
      ]),
      1,
      LIMITS,
    ).oack.size,
    0,
  );
});

test('ERROR and OACK packets are laid out as RFC 1350 and RFC 2347 say', () => {
  assert.deepEqual(errorPacket(TFTP_ERROR.fileNotFound, 'nope\x01'), Buffer.from('\0\x05\0\x01nope?\0', 'latin1'));
  assert.deepEqual(oackPacket(new Map([['blksize', '1468']])), Buffer.from('\0\x06blksize\x001468\0', 'latin1'));
  assert.equal(ackBlock(Buffer.from([0, 4, 0xff, 0xff])), 65535);
  assert.equal(ackBlock(Buffer.from([0, 3, 0, 1])), -1);
  assert.equal(ackBlock(Buffer.from([0, 4, 0])), -1);
});

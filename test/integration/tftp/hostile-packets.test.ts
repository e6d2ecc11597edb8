// What a hostile or broken machine on the boot LAN can send, by hand with raw
// UDP packets: path tricks, write requests, absurd options, unknown opcodes and
// truncated packets. The server answers each as RFC 1350 says (or drops it),
// never serves a byte from outside its root, and keeps serving real clients.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { atftpGet, requireTool, sendFromPortZero } from './tftp-tools.js';
import { errorCode, opcode, RawClient, rrq, sha256, startFixture } from './tftp-fixture.js';
import type { Fixture } from './tftp-fixture.js';

let fx: Fixture;
let client: RawClient;

before(async () => {
  requireTool('atftp', 'atftp');
  fx = await startFixture();
  symlinkSync(join(fx.dir, 'secret'), join(fx.root, 'escape'));
  symlinkSync('/etc/passwd', join(fx.root, 'passwd'));
  symlinkSync('pxelinux.0', join(fx.root, 'alias.0'));
  mkdirSync(join(fx.root, 'adir'));
  execFileSync('mkfifo', [join(fx.root, 'fifo')]);
  client = await RawClient.open();
});
after(async () => {
  client?.close();
  await fx?.close();
});

async function ask(packet: Buffer) {
  client.send(packet, fx.port);
  return client.next(1500);
}

test('every spelling of a path out of the root gets ERROR 1 or 2 and never a DATA packet', async () => {
  const spellings = [
    '../secret',
    '/../secret',
    '..\\secret',
    'pxelinux.cfg/../../secret',
    '....//secret',
    '..%2fsecret',
    '%2e%2e/secret',
    '%2e%2e%2fsecret',
    join(fx.dir, 'secret'),
    `/${join(fx.dir, 'secret')}`,
    'C:\\secret',
    'pxelinux.cfg/..',
    '/',
    'escape',
    'passwd',
    'adir',
    'fifo',
    '/etc/passwd',
    'a\x01b',
    'caf\xe9',
  ];
  for (const path of spellings) {
    const reply = await ask(rrq(path));
    assert.equal(opcode(reply), 5, `${JSON.stringify(path)} got opcode ${opcode(reply)}`);
    assert.ok([1, 2].includes(errorCode(reply)), `${JSON.stringify(path)} got error ${errorCode(reply)}`);
  }
  const refusals = fx.log.lines.filter((l) => l.level === 'warn' && /access violation/.test(l.msg));
  assert.ok(refusals.length >= 10, 'access violations are logged as warnings');
});

test('a symlink that stays inside the root is served like its target', async () => {
  const result = await atftpGet({ port: fx.port, remote: 'alias.0', local: join(fx.dir, 'alias.got') });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(sha256(readFileSync(join(fx.dir, 'alias.got'))), sha256(fx.files.get('pxelinux.0')!));
});

test('a write request is refused with ERROR 2 access violation', async () => {
  const wrq = rrq('pxelinux.0');
  wrq[1] = 2;
  const reply = await ask(wrq);
  assert.equal(errorCode(reply), 2);
  assert.match(reply!.msg.toString('latin1', 4), /read-only/);
});

test('unknown opcodes get ERROR 4, stray DATA and ACK get ERROR 5, an ERROR gets nothing', async () => {
  for (const op of [0, 7, 0x0100, 0xffff]) assert.equal(errorCode(await ask(Buffer.from([op >> 8, op & 0xff, 0, 0]))), 4, `opcode ${op}`);
  assert.equal(errorCode(await ask(Buffer.from([0, 3, 0, 1, 65, 66]))), 5);
  assert.equal(errorCode(await ask(Buffer.from([0, 4, 0, 1]))), 5);
  client.send(Buffer.from([0, 5, 0, 0, 0]), fx.port);
  assert.equal(await client.next(300), undefined);
});

test('truncated packets are dropped or answered ERROR 4, never crash the server', async () => {
  for (const tiny of [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 1]), Buffer.from([0, 1, 65])]) {
    client.send(tiny, fx.port);
  }
  assert.equal(await client.next(300), undefined, 'packets shorter than 4 bytes are dropped');
  for (const broken of [Buffer.from('\0\x01pxelinux.0'), Buffer.from('\0\x01pxelinux.0\0octet'), Buffer.from('\0\x01\0octet\0')]) {
    assert.equal(errorCode(await ask(broken)), 4, JSON.stringify(broken.toString('latin1')));
  }
});

test('transfer modes other than octet and netascii are refused with ERROR 4', async () => {
  assert.equal(errorCode(await ask(rrq('pxelinux.0', 'mail'))), 4);
  assert.equal(errorCode(await ask(rrq('pxelinux.0', 'binary'))), 4);
});

test('absurd and huge option values are ignored, and the file is served with the defaults', async () => {
  const reply = await ask(rrq('pxelinux.0', 'octet', { blksize: '99999999999999999999', windowsize: '0', timeout: '100000', tsize: 'x' }));
  assert.equal(opcode(reply), 3, 'no option was acceptable, so DATA 1 comes without an OACK');
  assert.equal(reply!.msg.length, 4 + 512);
  client.send(Buffer.from([0, 5, 0, 0, 0]), reply!.rinfo.port); // end it: the client gives up
  const tooLong = await ask(rrq('pxelinux.0', 'octet', { blksize: '9'.repeat(70_000 / 2) }));
  assert.equal(errorCode(tooLong), 4, 'an option value over 255 bytes is a malformed request');
});

test('option names are matched without regard to case (RFC 2347)', async () => {
  const reply = await ask(rrq('pxelinux.0', 'OcTeT', { BLKSIZE: '1024', TSize: '0' }));
  assert.equal(opcode(reply), 6);
  assert.equal(reply!.msg.toString('latin1', 2), `blksize\x001024\0tsize\0${45 * 1024}\0`);
  client.send(Buffer.from([0, 5, 0, 8, 0]), reply!.rinfo.port);
});

test('packets forged from source port 0 are dropped, at the listener and at a transfer port', async () => {
  const reply = await ask(rrq('pxelinux.0'));
  assert.equal(opcode(reply), 3);
  for (const packet of [Buffer.from([0, 9, 0, 0]), rrq('pxelinux.0'), Buffer.from([0, 4, 0, 1])]) {
    sendFromPortZero(fx.port, packet);
    sendFromPortZero(reply!.rinfo.port, packet);
  }
  client.send(Buffer.from([0, 5, 0, 0, 0]), reply!.rinfo.port);
  await new Promise((resolve) => setTimeout(resolve, 200));
});

test('after all of that the server still serves a real client', async () => {
  const result = await atftpGet({ port: fx.port, remote: 'pxelinux.0', local: join(fx.dir, 'still.got'), options: ['blksize 1468'] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(sha256(readFileSync(join(fx.dir, 'still.got'))), sha256(fx.files.get('pxelinux.0')!));
  assert.equal(fx.log.lines.filter((l) => l.level === 'error').length, 0, JSON.stringify(fx.log.lines.filter((l) => l.level === 'error')));
});

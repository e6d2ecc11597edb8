// dploy's TFTP server against the real clients a site uses to check a PXE
// server: tftp-hpa (plain RFC 1350, netascii) and atftp (RFC 2347 options,
// blksize, tsize, windowsize). Every file is compared whole by sha256.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { atftpGet, requireTool, tftpHpaGet } from './tftp-tools.js';
import { FileCache } from '../../../plugin/tftp/index.js';
import { LIVE_CONFIG, sha256, startFixture, transfersSettled } from './tftp-fixture.js';
import type { Fixture } from './tftp-fixture.js';

// 32 MiB + 1000 bytes: 65,538 blocks at blksize 512, so block numbers wrap past 65535.
const INITRD = 32 * 2 ** 20 + 1000;
let fx: Fixture;

before(async () => {
  requireTool('tftp', 'tftp-hpa');
  requireTool('atftp', 'atftp');
  fx = await startFixture({}, { 'initrd.img': INITRD, 'grub/grub.cfg': 0, 'boot/vmlinuz': 1468 * 3000 });
});
after(() => fx?.close());

function got(name: string): string {
  return sha256(readFileSync(join(fx.dir, name)));
}

test('tftp-hpa fetches pxelinux.0 in octet mode byte for byte', async () => {
  const result = await tftpHpaGet(fx.port, 'pxelinux.0', join(fx.dir, 'a'));
  assert.doesNotMatch(result.stdout + result.stderr, /Error/);
  assert.equal(got('a'), sha256(fx.files.get('pxelinux.0')!));
});

test('tftp-hpa fetches a live per-MAC config in netascii mode and gets the rendered lines back', async () => {
  const result = await tftpHpaGet(fx.port, '/pxelinux.cfg/01-52-54-00-12-34-56', join(fx.dir, 'b'), 'netascii');
  assert.doesNotMatch(result.stdout + result.stderr, /Error/);
  assert.equal(readFileSync(join(fx.dir, 'b'), 'utf8'), `${LIVE_CONFIG}# for 127.0.0.1\n`);
});

test('tftp-hpa is told "file not found" for a missing file and "access violation" for a climb out of the root', async () => {
  const missing = await tftpHpaGet(fx.port, 'pxelinux.cfg/01-aa-bb-cc-dd-ee-ff', join(fx.dir, 'c'));
  assert.match(missing.stdout + missing.stderr, /Error code 1: file not found/);
  const climb = await tftpHpaGet(fx.port, '../secret', join(fx.dir, 'c'));
  assert.match(climb.stdout + climb.stderr, /Error code 2: access violation/);
});

test('tftp-hpa fetches a 32 MiB initrd at blksize 512, past the block number rollover', async () => {
  const result = await tftpHpaGet(fx.port, 'initrd.img', join(fx.dir, 'd'));
  assert.doesNotMatch(result.stdout + result.stderr, /Error/);
  assert.equal(got('d'), sha256(fx.files.get('initrd.img')!));
});

test('atftp fetches the 32 MiB initrd at blksize 512 with tsize, past the rollover', async () => {
  const result = await atftpGet({ port: fx.port, remote: 'initrd.img', local: join(fx.dir, 'e'), options: ['tsize 0', 'blksize 512'] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(got('e'), sha256(fx.files.get('initrd.img')!));
});

for (const [blksize, windowsize] of [
  [1468, 1],
  [1468, 16],
  [8192, 1],
  [8192, 64],
  [65464, 4],
] as const) {
  test(`atftp fetches the initrd with blksize ${blksize} and windowsize ${windowsize}`, async () => {
    const options = [`blksize ${blksize}`, ...(windowsize > 1 ? [`windowsize ${windowsize}`] : [])];
    const result = await atftpGet({ port: fx.port, remote: '/initrd.img', local: join(fx.dir, `f${blksize}-${windowsize}`), options });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(got(`f${blksize}-${windowsize}`), sha256(fx.files.get('initrd.img')!));
  });
}

test('atftp fetches GRUB-style "/grub/grub.cfg" and a kernel whose size is an exact multiple of blksize (ends with an empty DATA block)', async () => {
  const grub = await atftpGet({ port: fx.port, remote: '/grub/grub.cfg', local: join(fx.dir, 'g'), options: ['blksize 1468'] });
  assert.equal(grub.code, 0, grub.stderr);
  assert.equal(got('g'), sha256(fx.files.get('grub/grub.cfg')!));
  const kernel = await atftpGet({ port: fx.port, remote: 'boot/vmlinuz', local: join(fx.dir, 'h'), options: ['blksize 1468', 'windowsize 8'] });
  assert.equal(kernel.code, 0, kernel.stderr);
  assert.equal(got('h'), sha256(fx.files.get('boot/vmlinuz')!));
});

test('ten atftp clients at once all get the same bytes and the server counts ten completed transfers', async () => {
  const before = fx.server.stats().completed;
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      atftpGet({ port: fx.port, remote: 'pxelinux.0', local: join(fx.dir, `many${i}`), options: ['blksize 1468', 'windowsize 4'] }),
    ),
  );
  for (const [i, result] of results.entries()) {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(got(`many${i}`), sha256(fx.files.get('pxelinux.0')!));
  }
  await transfersSettled(fx.server);
  assert.equal(fx.server.stats().completed - before, 10);
  assert.equal(fx.server.stats().active, 0);
});

test('a file larger than the cache is streamed from disk to atftp, windowed and lock-step, byte for byte', async () => {
  const small = await startFixture({}, { 'huge.img': 3 * 2 ** 20 + 3 }, new FileCache({ maxBytes: 2 ** 20, maxFileBytes: 2 ** 20 }));
  try {
    for (const options of [['blksize 1468', 'windowsize 16'], ['blksize 512']]) {
      const local = join(small.dir, `huge-${options.length}`);
      const result = await atftpGet({ port: small.port, remote: 'huge.img', local, options });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sha256(readFileSync(local)), sha256(small.files.get('huge.img')!));
    }
  } finally {
    await small.close();
  }
});

// An agent's upload read on the event loop or on a parse thread must give the
// same document, digest and inventory, and refuse the same bad bodies with the
// same errors, wherever it was read.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { inventoryParser } from '../../../plugin/inventory/parse-pool.js';
import { expectedBytes, readUpload, type Upload } from '../../../plugin/inventory/upload.js';

const XML = readFileSync(new URL('../../fixtures/lshw/qemu/pc-seabios.xml', import.meta.url));
const LIMIT = 8 * 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gzipUpload = (raw: Buffer): Upload => ({ raw, gzip: true, format: 'xml', limitBytes: LIMIT });
/** A gzip stream whose trailer claims `size` bytes: the hint is attacker-controlled, the result must not be. */
const lyingTrailer = (gz: Buffer, size: number) => {
  const copy = Buffer.from(gz);
  copy.writeUInt32LE(size, copy.length - 4);
  return copy;
};

// Every document at or over 1 KiB goes to the thread, so both paths are exercised with a real document.
const threads = inventoryParser(1, 1024);
const inline = inventoryParser(0);
after(() => threads.close());

test('gzip trailer: the expected size is read from ISIZE', () => {
  const gz = gzipSync(XML);
  assert.equal(expectedBytes(gzipUpload(gz)), Math.max(XML.length, gz.length * 8));
  assert.equal(expectedBytes({ raw: XML, gzip: false, format: 'xml', limitBytes: LIMIT }), XML.length);
});

for (const [where, parser] of [
  ['on a parse thread', threads],
  ['on the event loop', inline],
] as const) {
  test(`${where}: a gzip upload gives back the document, its sha256 and the inventory`, async () => {
    const read = await parser.read(gzipUpload(gzipSync(XML)));
    assert.ok(read.body.equals(XML), 'the inflated document, byte for byte');
    assert.equal(read.sha256, sha256(XML));
    assert.deepEqual(read.inventory, readUpload({ raw: XML, gzip: false, format: 'xml', limitBytes: LIMIT }).inventory);
  });

  test(`${where}: a gzip bomb stops at the limit with DPLOY_ERR_INVENTORY_TOO_LARGE, whatever its trailer says`, async () => {
    const bomb = gzipSync(Buffer.alloc(2 * LIMIT, 0x20));
    for (const raw of [bomb, lyingTrailer(bomb, 100)]) {
      await assert.rejects(parser.read(gzipUpload(raw)), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'DPLOY_ERR_INVENTORY_TOO_LARGE');
        assert.match(err.message, /http\.bodyLimitBytes/);
        return true;
      });
    }
  });

  test(`${where}: a truncated gzip body is DPLOY_ERR_INVENTORY_INVALID`, async () => {
    const cut = gzipSync(XML).subarray(0, 200);
    await assert.rejects(parser.read(gzipUpload(cut)), { code: 'DPLOY_ERR_INVENTORY_INVALID', message: /not valid gzip/ });
  });
}

test('a trailer that understates the size routes nothing large onto the event loop, and is refused as gzip (zlib checks ISIZE)', async () => {
  await assert.rejects(threads.read(gzipUpload(lyingTrailer(gzipSync(XML), 10))), { code: 'DPLOY_ERR_INVENTORY_INVALID', message: /incorrect length check/ });
});

// The output cap on its own: exact head and tail across chunk boundaries, and
// nothing said about dropping when nothing was dropped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputCap } from '../../../plugin/remote/output-cap.js';

test('output within the cap comes back whole, in order, with nothing said about dropping', () => {
  const cap = new OutputCap(10);
  for (const part of ['ab', 'cde', 'fghij']) cap.push(Buffer.from(part));
  assert.deepEqual(cap.result(), { text: 'abcdefghij', totalBytes: 10, droppedBytes: 0 });
});

test('beyond the cap the first and last halves are kept exactly, whatever the chunk sizes', () => {
  const all = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  for (const size of [1, 3, 7, 64, 1000]) {
    const cap = new OutputCap(100);
    for (let i = 0; i < all.length; i += size) cap.push(Buffer.from(all.slice(i, i + size)));
    const r = cap.result();
    assert.equal(r.totalBytes, 1000);
    assert.equal(r.droppedBytes, 900);
    assert.equal(
      r.text,
      `${all.slice(0, 50)}\n[… 900 bytes of output dropped (kept the first and last 100 of 1000) …]\n${all.slice(950)}`,
      `chunks of ${size}`,
    );
  }
});

// RFC 9110's rules for conditional and range requests on a static file, case by
// case, including those the real clients of test/integration/web/static-files.test.ts
// never send (If-Match, If-Unmodified-Since, weak tags, malformed dates and ranges).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePreconditions, ifRangeHolds } from '../../../plugin/web/conditional-request.js';
import { parseByteRange } from '../../../plugin/web/byte-range.js';
import { contentTypeOf } from '../../../plugin/web/content-type.js';

const v = { etag: '"1f-2a-3b"', lastModified: new Date('2026-12-07T06:00:00.500Z') };
const at = (iso: string) => new Date(iso).toUTCString();

test('If-None-Match: a matching tag (weak or strong, or *) is 304 on GET and HEAD; another tag proceeds', () => {
  for (const tag of ['"1f-2a-3b"', 'W/"1f-2a-3b"', '"x", "1f-2a-3b"', '*'])
    assert.equal(evaluatePreconditions('GET', { 'if-none-match': tag }, v), 'not-modified', tag);
  assert.equal(evaluatePreconditions('HEAD', { 'if-none-match': '"1f-2a-3b"' }, v), 'not-modified');
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '"other"' }, v), 'proceed');
});

test('If-Modified-Since: 304 at or after the second of modification, ignored beside If-None-Match or when not a date', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': at('2026-12-07T06:00:00Z') }, v), 'not-modified', 'same second');
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': at('2026-12-07T05:59:59Z') }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': 'yesterday' }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '"other"', 'if-modified-since': at('2027-01-01T00:00:00Z') }, v), 'proceed');
});

test('If-Match compares strongly and If-Unmodified-Since guards a changed file: 412', () => {
  assert.equal(evaluatePreconditions('GET', { 'if-match': '"1f-2a-3b"' }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-match': 'W/"1f-2a-3b"' }, v), 'precondition-failed');
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': at('2026-12-07T05:00:00Z') }, v), 'precondition-failed');
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': at('2026-12-07T07:00:00Z') }, v), 'proceed');
});

test('If-Range holds only for this strong tag or this exact date', () => {
  assert.equal(ifRangeHolds(undefined, v), true);
  assert.equal(ifRangeHolds('"1f-2a-3b"', v), true);
  assert.equal(ifRangeHolds('W/"1f-2a-3b"', v), false);
  assert.equal(ifRangeHolds(v.lastModified.toUTCString(), v), true);
  assert.equal(ifRangeHolds(at('2026-12-07T05:00:00Z'), v), false);
});

test('Range: one range is served, several or malformed ones are ignored (200 whole), past the end is 416', () => {
  assert.deepEqual(parseByteRange('bytes=0-99', 1000), { kind: 'part', start: 0, end: 99 });
  assert.deepEqual(parseByteRange('Bytes = 900-', 1000), { kind: 'part', start: 900, end: 999 });
  assert.deepEqual(parseByteRange('bytes=-100', 1000), { kind: 'part', start: 900, end: 999 });
  assert.deepEqual(parseByteRange('bytes=990-5000', 1000), { kind: 'part', start: 990, end: 999 });
  for (const header of ['bytes=0-1,5-6', 'bytes=50-10', 'items=0-1', 'bytes=-']) assert.deepEqual(parseByteRange(header, 1000), { kind: 'whole' }, header);
  assert.deepEqual(parseByteRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseByteRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
});

test('types follow names: Debian indexes and .treeinfo are text, packages and images their own, the rest octet-stream', () => {
  assert.equal(contentTypeOf('dists/bookworm/InRelease'), 'text/plain; charset=utf-8');
  assert.equal(contentTypeOf('.treeinfo'), 'text/plain; charset=utf-8');
  assert.equal(contentTypeOf('pool/main/h/hello/hello_2.10_amd64.deb'), 'application/vnd.debian.binary-package');
  assert.equal(contentTypeOf('BaseOS/repodata/repomd.xml'), 'application/xml');
  assert.equal(contentTypeOf('debian-12-x86_64.iso'), 'application/x-iso9660-image');
  assert.equal(contentTypeOf('linuxcoe/rocky-9-x86_64/vmlinuz'), 'application/octet-stream');
});

// Which batch texts go prepared: from a shape's second sighting, never a text
// too long for MariaDB's memory, and nothing once the server refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PREPARE_MAX_SQL_CHARS, PreparedShapes } from '../../../../plugin/store/discovery/prepared-shapes.js';

const shape = (n: number) => `BEGIN NOT ATOMIC INSERT INTO t VALUES ${Array.from({ length: n }, () => '(?)').join(', ')}; END`;

test('a shape goes prepared from its second sighting on; another shape counts on its own', () => {
  const shapes = new PreparedShapes();
  assert.deepEqual(
    [shape(1), shape(1), shape(2), shape(1), shape(2)].map((sql) => shapes.worthPreparing(sql)),
    [false, true, false, true, true],
  );
});

test('a text longer than PREPARE_MAX_SQL_CHARS never goes prepared', () => {
  const shapes = new PreparedShapes();
  const long = `SELECT '${'x'.repeat(PREPARE_MAX_SQL_CHARS)}'`;
  assert.deepEqual(
    [long, long, long].map((sql) => shapes.worthPreparing(sql)),
    [false, false, false],
  );
});

test('the sightings forget the shape seen least recently first, and keep one that recurs', () => {
  const shapes = new PreparedShapes();
  shapes.worthPreparing(shape(0));
  // 256 other shapes seen once each, the first one seen again midway: it stays remembered.
  for (let n = 1; n <= 256; n++) {
    shapes.worthPreparing(shape(n));
    if (n === 128) assert.equal(shapes.worthPreparing(shape(1)), true);
  }
  assert.equal(shapes.worthPreparing(shape(1)), true, 'seen recently: remembered');
  assert.equal(shapes.worthPreparing(shape(0)), false, 'the oldest was forgotten: this is a first sighting again');
});

test('once the server refused to prepare, nothing goes prepared', () => {
  const shapes = new PreparedShapes();
  shapes.worthPreparing(shape(1));
  shapes.disable();
  assert.equal(shapes.worthPreparing(shape(1)), false);
  assert.equal(shapes.worthPreparing(shape(1)), false);
});

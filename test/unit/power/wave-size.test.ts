import assert from 'node:assert/strict';
import { test } from 'node:test';
import { megabytes, waveSize } from '../../../plugin/power/wave-size.js';

const MB = 1e6;
const BOUNDS = { minSize: 2, maxSize: 50, unmeasuredSize: 10 };

test('a measured wave is as many installs as the peak rate carries in one interval: 48 MB/s × 30 s ÷ 92 MB = 15', () => {
  assert.deepEqual(waveSize(BOUNDS, 30_000, { bytesPerSecond: 48 * MB, by: 'TFTP' }, 92 * MB), {
    size: 15,
    reason: 'TFTP served 48 MB/s, 92 MB per install',
  });
  // Twice the rate, twice the wave; a longer interval, a larger wave; a larger install, a smaller one.
  assert.equal(waveSize(BOUNDS, 30_000, { bytesPerSecond: 96 * MB, by: 'TFTP' }, 92 * MB).size, 31);
  assert.equal(waveSize(BOUNDS, 60_000, { bytesPerSecond: 48 * MB, by: 'TFTP' }, 92 * MB).size, 31);
  assert.equal(waveSize(BOUNDS, 30_000, { bytesPerSecond: 48 * MB, by: 'TFTP' }, 184 * MB).size, 7);
  assert.equal(waveSize(BOUNDS, 30_000, { bytesPerSecond: 120 * MB, by: 'TFTP and HTTP' }, 92 * MB).reason, 'TFTP and HTTP served 120 MB/s, 92 MB per install');
});

test('a measured size stays inside power.waveMinSize and power.waveMaxSize, and says which bound held it', () => {
  assert.deepEqual(waveSize(BOUNDS, 30_000, { bytesPerSecond: 2 * MB, by: 'TFTP' }, 92 * MB), {
    size: 2,
    reason: 'TFTP served 2.0 MB/s, 92 MB per install, at least power.waveMinSize',
  });
  assert.deepEqual(waveSize(BOUNDS, 30_000, { bytesPerSecond: 1100 * MB, by: 'HTTP' }, 92 * MB), {
    size: 50,
    reason: 'HTTP served 1100 MB/s, 92 MB per install, at most power.waveMaxSize',
  });
});

test("before a measure, or without the install's fetch size, the conservative default, said as such", () => {
  assert.deepEqual(waveSize(BOUNDS, 30_000, undefined, 92 * MB), { size: 10, reason: 'default until the boot services have served a boot to measure' });
  assert.deepEqual(waveSize(BOUNDS, 30_000, { bytesPerSecond: 48 * MB, by: 'TFTP' }, undefined), {
    size: 10,
    reason: "default: TFTP served 48 MB/s, this install's fetch size is not known",
  });
  // The default obeys the bounds too.
  assert.equal(waveSize({ minSize: 1, maxSize: 4, unmeasuredSize: 10 }, 30_000, undefined, undefined).size, 4);
});

test("the operator's power.waveSize is the size, whatever was measured", () => {
  assert.deepEqual(waveSize({ ...BOUNDS, size: 20 }, 30_000, { bytesPerSecond: 480 * MB, by: 'TFTP' }, 92 * MB), { size: 20, reason: 'set by power.waveSize' });
});

test('megabytes as read off a link', () => {
  assert.deepEqual([48e6, 9.24e6, 0.31e6, 1234e6].map(megabytes), ['48 MB', '9.2 MB', '0.31 MB', '1234 MB']);
});

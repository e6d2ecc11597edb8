import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BootWaves } from '../../../plugin/power/boot-waves.js';
import type { Clock } from '../../../plugin/power/bmc-queue.js';

function clockAt(t: { now: number }): Clock {
  return { now: () => t.now, sleep: async () => undefined };
}

test('10 machines, waves of 3 every 30 s: 3 start, the 4th is told wave 2 opens at 30 s, and so on to wave 4', () => {
  const t = { now: 1000 };
  const waves = new BootWaves({ size: 3, intervalMs: 30_000 }, clockAt(t));
  const started: number[] = [];
  let waiting = 10;
  while (waiting > 0) {
    const slot = waves.take();
    if (slot.ok) {
      started.push(slot.wave);
      waiting--;
    } else {
      assert.equal(slot.opensAt, 1000 + (slot.wave - 1) * 30_000);
      t.now = slot.opensAt;
    }
  }
  assert.deepEqual(started, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]);
  assert.equal(waves.describe(), '3 machines every 30 s');
});

test('after a quiet spell the count starts again: a lone machine does not wait for a wave that opened long ago', () => {
  const t = { now: 0 };
  const waves = new BootWaves({ size: 2, intervalMs: 10_000 }, clockAt(t));
  assert.deepEqual(
    [waves.take(), waves.take()].map((s) => s.ok),
    [true, true],
  );
  assert.deepEqual(waves.take(), { ok: false, wave: 2, opensAt: 10_000 });
  t.now = 95_000;
  assert.deepEqual(waves.take(), { ok: true, wave: 1 });
});

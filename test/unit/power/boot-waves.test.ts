import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BootWaves } from '../../../plugin/power/boot-waves.js';
import type { Clock } from '../../../plugin/power/bmc-queue.js';
import type { ServedPeak } from '../../../plugin/power/wave-size.js';

function clockAt(t: { now: number }): Clock {
  return { now: () => t.now, sleep: async () => undefined };
}

const MB = 1e6;

test('10 machines, waves of 3 every 30 s: 3 start, the 4th is told wave 2 opens at 30 s, and so on to wave 4', async () => {
  const t = { now: 1000 };
  const waves = new BootWaves({ size: 3, intervalMs: 30_000 }, undefined, clockAt(t));
  const started: number[] = [];
  let waiting = 10;
  while (waiting > 0) {
    const slot = await waves.take();
    if (slot.ok) {
      started.push(slot.wave);
      waiting--;
    } else {
      assert.equal(slot.opensAt, 1000 + (slot.wave - 1) * 30_000);
      assert.equal(waves.describe(slot), '3 machines every 30 s: set by power.waveSize');
      t.now = slot.opensAt;
    }
  }
  assert.deepEqual(started, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]);
});

test('after a quiet spell the count starts again: a lone machine does not wait for a wave that opened long ago', async () => {
  const t = { now: 0 };
  const waves = new BootWaves({ size: 2, intervalMs: 10_000 }, undefined, clockAt(t));
  assert.deepEqual(
    (await Promise.all([waves.take(), waves.take()])).map((s) => s.ok),
    [true, true],
  );
  assert.deepEqual(await waves.take(), { ok: false, wave: 2, opensAt: 10_000, size: { size: 2, reason: 'set by power.waveSize' } });
  t.now = 95_000;
  assert.equal((await waves.take()).ok, true);
});

test("measured waves: the size follows the peak served as it changes, judged against each machine's fetch", async () => {
  const t = { now: 0 };
  let peak: ServedPeak | undefined;
  const waves = new BootWaves({ intervalMs: 30_000, minSize: 1, maxSize: 100, unmeasuredSize: 2 }, () => peak, clockAt(t));
  // Nothing served yet: the default, and the status says so.
  const first = await waves.take(92 * MB);
  assert.equal(waves.describe(first), '2 machines every 30 s: default until the boot services have served a boot to measure');
  await waves.take(92 * MB);
  const full = await waves.take(92 * MB);
  assert.equal(full.ok, false);
  // Wave 1 served 48 MB/s at its busiest: 48 × 30 / 92 = 15.6 → 15 machines of a 92 MB install per wave.
  peak = { bytesPerSecond: 48 * MB, by: 'TFTP' };
  t.now = 30_000;
  const sized: boolean[] = [];
  for (let i = 0; i < 16; i++) sized.push((await waves.take(92 * MB)).ok);
  assert.deepEqual(sized, [...Array(15).fill(true), false]);
  const waiting = await waves.take(92 * MB);
  assert.equal(waves.describe(waiting), '15 machines every 30 s: TFTP served 48 MB/s, 92 MB per install');
  assert.equal(waiting.wave, 3);
});

test('places go in call order even when the fetch-size lookups end in another order', async () => {
  const waves = new BootWaves({ size: 1, intervalMs: 10_000 }, undefined, clockAt({ now: 0 }));
  let release!: (n: number) => void;
  const slow = new Promise<number>((r) => (release = r));
  const a = waves.take(slow);
  const b = waves.take(5);
  const c = waves.take(Promise.reject(new Error('no boot entry')));
  setTimeout(() => release(7), 20);
  const [sa, sb, sc] = await Promise.all([a, b, c]);
  assert.deepEqual(
    [sa, sb, sc].map((s) => `${s.ok}:${s.wave}`),
    ['true:1', 'false:2', 'false:2'],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServedRate } from '../../../plugin/power/served-rate.js';

/** A ServedRate over totals and a clock the test moves: `serve` adds bytes, lets `ms` pass and samples. */
function meter() {
  const totals = { tftp: 0, http: 0 };
  let now = 0;
  const rate = new ServedRate(
    () => ({ ...totals }),
    () => now,
  );
  rate.sample();
  return {
    rate,
    serve(tftp: number, http: number, ms = 1000) {
      totals.tftp += tftp;
      totals.http += http;
      now += ms;
      rate.sample();
    },
    /** A service restarted: its total starts again from nothing. */
    restartHttp() {
      totals.http = 0;
    },
  };
}

test('the peak is the busiest second among those that served anything, and names who served it', () => {
  const m = meter();
  assert.equal(m.rate.peak(), undefined, 'nothing served: no measure');
  m.serve(0, 0);
  assert.equal(m.rate.peak(), undefined);
  m.serve(30e6, 0);
  m.serve(48e6, 0);
  m.serve(10e6, 0);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 48e6, by: 'TFTP' });
  // Quiet seconds do not wear the measure down.
  for (let i = 0; i < 2000; i++) m.serve(0, 0);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 48e6, by: 'TFTP' });
  m.serve(20e6, 40e6);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 60e6, by: 'TFTP and HTTP' });
});

test('a rate is bytes over the time between two reads, and a total that went down (a restart) is no rate', () => {
  const m = meter();
  m.serve(0, 5e6, 500);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 10e6, by: 'HTTP' });
  m.restartHttp();
  m.serve(0, 0);
  m.serve(0, 1e6);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 10e6, by: 'HTTP' });
});

test("only the last 600 busy seconds count: an old storm's peak leaves after ten minutes of serving less", () => {
  const m = meter();
  m.serve(90e6, 0);
  for (let i = 0; i < 599; i++) m.serve(1e6, 0);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 90e6, by: 'TFTP' }, 'still among the last 600');
  m.serve(1e6, 0);
  assert.deepEqual(m.rate.peak(), { bytesPerSecond: 1e6, by: 'TFTP' });
});

// The retransmission timer notes a coarse clock per send instead of resetting
// a Node timer: it must still stay quiet while packets keep leaving, expire
// once they stop, and take a shorter interval at once after a backoff.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetransmitTimer } from '../../../plugin/tftp/retransmit-timer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('sends more often than the interval keep it from expiring; silence expires it once', async () => {
  let expired = 0;
  const timer = new RetransmitTimer(() => expired++);
  try {
    for (let i = 0; i < 30; i++) {
      timer.sent(100);
      await sleep(10);
    }
    assert.equal(expired, 0, 'a send every 10 ms never lets 100 ms pass');
    await sleep(600);
    assert.equal(expired, 1, 'one expiry; the next needs another send');
  } finally {
    timer.stop();
  }
});

test('after a long backoff interval, a shorter one applies from the next send', async () => {
  let expired = 0;
  const timer = new RetransmitTimer(() => expired++);
  try {
    timer.sent(60_000);
    timer.sent(50);
    await sleep(600);
    assert.equal(expired, 1, 'the 60 s timeout did not hold it back');
  } finally {
    timer.stop();
  }
});

test('a stopped timer never expires', async () => {
  let expired = 0;
  const timer = new RetransmitTimer(() => expired++);
  timer.sent(30);
  timer.stop();
  await sleep(200);
  assert.equal(expired, 0);
});

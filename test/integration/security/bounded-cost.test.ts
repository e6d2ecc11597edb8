// M1: what anyone on the provisioning network can make dploy spend before it
// knows who they are: a body it must read, a body it reads after refusing,
// requests without end from one address.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { requestFrom, startTrustServer } from '../../support/trust-server.js';

test('an event body of 4 MiB is refused before it is parsed (the token is inside the body)', { timeout: 60_000 }, async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const body = JSON.stringify({ token: 'x', event: 'installed', log: 'A'.repeat(4 * 2 ** 20) });
    const answer = await fetch(`${dploy.url}/agent/v1/events`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(answer.status, 413, await answer.text());
  } finally {
    await dploy.close();
  }
});

test('after a 401, a client declaring a 1 GiB body gets to send a few MiB at most, not the whole body', { timeout: 60_000 }, async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const url = new URL(dploy.url);
    const chunk = Buffer.alloc(2 ** 20, 0x61);
    const { written, status } = await new Promise<{ written: number; status: string }>((resolve) => {
      let answer = '';
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /agent/v1/inventory HTTP/1.1\r\nHost: dploy\r\nContent-Type: application/xml\r\nX-Dploy-Token: wrong\r\nContent-Length: ${2 ** 30}\r\n\r\n`,
        );
        const pump = () => {
          while (!socket.destroyed && socket.bytesWritten < 2 ** 30 && socket.write(chunk));
        };
        socket.on('drain', pump);
        pump();
      });
      socket.on('data', (data) => (answer += String(data)));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ written: socket.bytesWritten, status: answer.split('\r\n')[0] ?? '' }));
      setTimeout(() => socket.destroy(), 30_000).unref();
    });
    assert.equal(status, 'HTTP/1.1 401 Unauthorized (DPLOY_ERR_UNAUTHORIZED)', 'the client still reads why');
    // dploy reads 2 MiB after refusing; the rest is what the two kernels' socket buffers took.
    assert.ok(written < 32 * 2 ** 20, `the client sent ${(written / 2 ** 20).toFixed(0)} MiB before dploy closed`);
  } finally {
    await dploy.close();
  }
});

test('one address asking without end gets 429 with Retry-After; another address is still served', { timeout: 60_000 }, async () => {
  const dploy = await startTrustServer('sqlite', { agent: { ratePerSource: 5 } });
  try {
    const ask = (from: string) => requestFrom(from, `${dploy.url}/agent/v1/next?mac=52:54:00:aa:00:09`, { headers: { 'x-dploy-token': dploy.enrollment } });
    const statuses: number[] = [];
    for (let i = 0; i < 80; i++) statuses.push((await ask('127.0.0.2')).status);
    assert.ok(
      statuses.slice(0, 40).every((s) => s === 404),
      'the burst (10 s worth) is served: unknown MAC, 404',
    );
    assert.equal(statuses.at(-1), 429, `then refused: ${statuses.join(' ')}`);
    const limited = await fetch(`${dploy.url}/healthz`);
    assert.equal(limited.status, 200, 'other routes are not limited');
    assert.equal((await ask('127.0.0.3')).status, 404, 'another machine is served');
  } finally {
    await dploy.close();
  }
});

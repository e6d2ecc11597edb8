// M1: a crafted inventory near the size limit takes most of a second to
// parse. Posted by several machines at once (the enrollment token is public),
// it must not stall everything else dploy answers on its event loop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTrustServer } from '../../support/trust-server.js';
import { worstCaseInventory } from '../../support/pxe-load.js';

const POSTS = 4;

test(`${POSTS} crafted 3.5 MiB inventories posted at once: /healthz keeps answering within 400 ms`, { timeout: 120_000 }, async (t) => {
  const dploy = await startTrustServer('sqlite');
  try {
    const bodies = await Promise.all(Array.from({ length: POSTS }, (_, i) => worstCaseInventory(`52:54:00:bb:00:0${i}`)));
    let posting = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (posting) {
        const t0 = performance.now();
        await (await fetch(`${dploy.url}/healthz`)).text();
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const answers = await Promise.all(
      bodies.map((body) =>
        fetch(`${dploy.url}/agent/v1/inventory`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': dploy.enrollment },
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      ),
    );
    posting = false;
    await probe;
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    const worst = Math.max(...latencies);
    t.diagnostic(`/healthz during ${POSTS} crafted posts: worst ${worst.toFixed(0)} ms over ${latencies.length} probes`);
    assert.ok(worst < 400, `/healthz waited ${worst.toFixed(0)} ms behind the parsing`);
  } finally {
    await dploy.close();
  }
});

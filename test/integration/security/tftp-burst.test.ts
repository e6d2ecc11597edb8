// Low finding: a burst of 1,500 TFTP read requests lost 1,005 in the kernel's
// receive buffer (the listener had Linux's default 208 KiB). With
// tftp.receiveBufferBytes (4 MiB by default) every request of such a burst
// waits in the buffer and is answered. The comparison with tftpd-hpa under
// the same burst is in test/bench/tftp-load.bench.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture } from '../tftp/tftp-fixture.js';
import { readRequestBurst } from '../../support/tftp-burst.js';

const BURST = 1500;

test(`a burst of ${BURST} TFTP read requests on loopback: every one answered, none dropped by the kernel`, { timeout: 60_000 }, async (t) => {
  const fx = await startFixture();
  try {
    const buffer = fx.server.stats().receiveBuffer;
    assert.ok(buffer, 'the listener reports its receive buffer');
    // The kernel caps SO_RCVBUF at net.core.rmem_max; below ~2 MiB a burst this size cannot fit on loopback.
    assert.ok(
      buffer.effective >= 2 * 2 ** 20,
      `the kernel granted only ${buffer.effective} bytes of receive buffer (net.core.rmem_max = ${buffer.kernelMax}): raise it with sysctl -w net.core.rmem_max=4194304`,
    );
    const outcome = await readRequestBurst(fx.port, BURST, 'pxelinux.cfg/default');
    t.diagnostic(
      `burst of ${BURST}: ${outcome.answered} answered with DATA, ${outcome.refused} with ERROR, ${outcome.kernelDrops} dropped by the kernel, last first answer after ${outcome.ms.toFixed(0)} ms; receive buffer ${buffer.effective} bytes`,
    );
    assert.equal(outcome.kernelDrops, 0, "no request dropped at the listener's receive buffer");
    assert.equal(outcome.answered, BURST, `${BURST - outcome.answered} requests unanswered (${outcome.refused} refused)`);
  } finally {
    await fx.close();
  }
});

// M1 under load: 8 machines post worst-case inventories (3.5 MiB, 150k lshw
// nodes each, one new machine per post) to `dploy serve` while a PXE client
// fetches its boot config over TFTP and a monitor polls /healthz. The targets
// are 20 ms p99 for TFTP config answers and 100 ms for /healthz; the figures
// and tftpd-hpa's under the same load are printed by `npm run bench -- tftp-load`
// (docs/benchmarks.md). Here the bounds are 10x the targets, so that a loaded
// 2-core CI machine does not fail it, while a parse on the event loop (0.65 s
// per document, 252 ms TFTP p99 before the parse threads) still does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServe } from '../../support/serve.js';
import { freeUdpPort } from '../tftp/tftp-tools.js';
import { httpGetMs, percentile, postWorstCaseInventories, sample, tftpFetch } from '../../support/pxe-load.js';

const POSTERS = 8;
const LOAD_MS = 8_000;
const TFTP_P99_BOUND_MS = 200;
const HEALTHZ_P99_BOUND_MS = 1000;
/** A machine dploy has never seen: its config is the discovery entry, rendered live and carrying the enrollment token. */
const CONFIG = 'pxelinux.cfg/01-52-54-00-ee-00-01';
/** A fetch tftpFetch gave up on, as a latency. */
const UNANSWERED_MS = 5000;

/** What else was running: the CI machine is shared with whatever earlier tests left behind. */
function busiest(): string {
  const ps = spawnSync('ps', ['-eo', 'pcpu,etimes,args', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .slice(0, 6)
    .map((line) => line.trim().replace(/\s+/g, ' ').slice(0, 100))
    .join('; ');
}

test(
  `${POSTERS} machines posting worst-case inventories: TFTP config answers within ${TFTP_P99_BOUND_MS} ms p99, /healthz within ${HEALTHZ_P99_BOUND_MS} ms p99`,
  {
    timeout: 90_000,
  },
  async (t) => {
    const cwd = mkdtempSync(join(tmpdir(), 'dploy-pxe-load-'));
    mkdirSync(join(cwd, 'tftp'));
    const tftpPort = await freeUdpPort();
    const dploy = await startServe({
      cwd,
      env: {
        DPLOY_DATABASE_URL: `sqlite:${join(cwd, 'dploy.sqlite')}`,
        DPLOY_RUNNER_ENABLED: 'false',
        DPLOY_TFTP_ENABLED: 'true',
        DPLOY_TFTP_ADDRESS: '127.0.0.1',
        DPLOY_TFTP_PORT: String(tftpPort),
        DPLOY_TFTP_ROOT: join(cwd, 'tftp'),
      },
    });
    try {
      const idle = await tftpFetch(tftpPort, CONFIG);
      const token = /dploy\.token=(\S+)/.exec(idle.text)?.[1];
      assert.ok(token, `the discovery entry carries the enrollment token:\n${idle.text}`);
      let running = true;
      const unanswered: string[] = [];
      const load = postWorstCaseInventories(dploy.url, token, POSTERS, () => running);
      const tftp = sample(
        async () => {
          // A fetch left unanswered is counted (and the load around it shown below), not the end of the run.
          const answer = await tftpFetch(tftpPort, CONFIG).catch((err: Error) => {
            unanswered.push(`${new Date().toISOString()} ${err.message} (load average ${loadavg()[0]!.toFixed(1)})`);
            return { ms: UNANSWERED_MS, text: idle.text };
          });
          assert.equal(answer.text, idle.text, 'the same config under load');
          return answer.ms;
        },
        20,
        () => running,
      );
      const healthz = sample(
        () => httpGetMs(`${dploy.url}/healthz`),
        20,
        () => running,
      );
      await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
      running = false;
      const [statuses, tftpMs, healthzMs] = await Promise.all([load, tftp, healthz]);
      const figures = (ms: number[]) =>
        `p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over ${ms.length}`;
      t.diagnostic(`${statuses.length} worst-case inventories posted by ${POSTERS} machines in ${LOAD_MS / 1000} s`);
      t.diagnostic(`TFTP config: ${figures(tftpMs)}`);
      t.diagnostic(`/healthz: ${figures(healthzMs)}`);
      t.diagnostic(
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}; busiest processes: ${busiest()}`,
      );
      assert.deepEqual(unanswered, [], 'every TFTP fetch was answered within 5 s');
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
        'every inventory was taken',
      );
      assert.ok(statuses.length >= POSTERS, `each machine posted at least once (${statuses.length} posts)`);
      assert.ok(percentile(tftpMs, 99) < TFTP_P99_BOUND_MS, `TFTP config p99 ${percentile(tftpMs, 99).toFixed(0)} ms`);
      assert.ok(percentile(healthzMs, 99) < HEALTHZ_P99_BOUND_MS, `/healthz p99 ${percentile(healthzMs, 99).toFixed(0)} ms`);
    } finally {
      await dploy.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  },
);

// M4: the installer's "installed" report must not be lost to a database blink
// (the job would fail hours later, at its timeout), and must run under the
// busybox of a Debian 12 installer, whose wget -T crashes. callback.sh as
// served runs under busybox while dploy's database is cut, then restored.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxPath } from '../../support/busybox-env.js';
import { relayTo } from '../../support/db-relay.js';
import { MARIADB, POSTGRES } from '../../support/services.js';
import { installJob, requestFrom, startTrustServer } from '../../support/trust-server.js';
import { getJob, jobEvents } from '../../../plugin/store/jobs.js';

const MAC = '52:54:00:ee:00:01';
const BUSYBOX = '/usr/bin/busybox';

for (const [dialect, real] of [
  ['mysql', MARIADB],
  ['postgres', POSTGRES],
] as const) {
  describe(`callback.sh on ${dialect}`, () => {
    test('retries "installed" under busybox through a database outage, and it lands once', { timeout: 120_000 }, async () => {
      const relay = await relayTo(real.port);
      const dploy = await startTrustServer(dialect, {}, (url) => url.replace(`:${real.port}/`, `:${relay.port}/`));
      try {
        const job = await installJob(dploy, MAC);
        const entry = await requestFrom('127.0.0.1', `${dploy.url}/boot/ipxe?mac=${MAC}`);
        const token = /\/answers\/([A-Za-z0-9_-]+)/.exec(entry.text)![1]!;
        assert.equal((await requestFrom('127.0.0.1', `${dploy.url}/answers/${token}`)).status, 200);
        const script = join(dploy.cwd, 'callback.sh');
        writeFileSync(script, (await requestFrom('127.0.0.1', `${dploy.url}/answers/${token}/callback.sh`)).text);

        await relay.cut();
        const path = busyboxPath({ date: BUSYBOX, timeout: BUSYBOX, awk: BUSYBOX });
        const run = spawn(join(path, 'sh'), [script, 'installed', 'debian-installer finished'], { env: { PATH: path } });
        let stderr = '';
        run.stderr.on('data', (d: Buffer) => (stderr += String(d)));
        const exited = new Promise<number | null>((resolve) => run.once('exit', resolve));
        await new Promise((r) => setTimeout(r, 4_000));
        assert.equal((await getJob(dploy.server.store.db.manager, job.id).catch(() => undefined))?.state, undefined, 'the database is out of reach meanwhile');
        await relay.restore();
        assert.equal(await exited, 0, stderr);

        assert.equal(stderr, '', 'no report lost, no crash');
        const events = await jobEvents(dploy.server.store.db.manager, job.id);
        assert.equal(events.filter((e) => e.toState === 'finishing').length, 1, 'installed applied exactly once');
        assert.equal((await getJob(dploy.server.store.db.manager, job.id)).state, 'finishing');
      } finally {
        await relay.restore();
        await dploy.close();
        await relay.cut();
      }
    });
  });
}

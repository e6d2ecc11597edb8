// agent-scripts/dploy-wait under busybox against a real `dploy serve`: a
// machine in mindi waits while it has no task, and reboots once its install
// has been set up by the runner.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDploy } from '../../support/cli.js';
import { startServe } from '../../support/serve.js';
import { busyboxPath } from '../../support/busybox-env.js';

const SCRIPT = fileURLToPath(new URL('../../../agent-scripts/dploy-wait', import.meta.url));

test('dploy-wait waits while no task is set, then reboots into the install the runner prepared', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-wait-'));
  const serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false' } });
  try {
    await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
    const token = (await runDploy(['token', 'enrollment'], { cwd })).stdout.trim();
    const cmdline = join(cwd, 'cmdline');
    writeFileSync(cmdline, `initrd=mindi/initrd.img pxe dploy.url=${serve.url} dploy.token=${token} BOOTIF=01-52-54-00-12-34-56\n`);
    const path = busyboxPath();
    const env = { PATH: path, DPLOY_CMDLINE: cmdline, DPLOY_MAX_POLLS: '1', DPLOY_REBOOT_CMD: 'echo REBOOT-NOW' };

    const idle = spawnSync(join(path, 'sh'), [SCRIPT], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(idle.status, 0, idle.stderr);
    assert.match(idle.stderr, /waiting 30s: no task set for this machine yet/);

    // The operator sends the machine added by hand through discovery (a known machine's inventory is taken
    // only in a discover job, docs/security.md); mindi's dploy-inventory posts it before dploy-wait starts.
    await runDploy(['task', 'set', 'web01', 'discover'], { cwd });
    await runDploy(['runner', '--once'], { cwd });
    const lshw = readFileSync(new URL('../../fixtures/lshw/qemu-seabios-pc.xml', import.meta.url), 'utf8').replace('52:54:00:d0:00:01', '52:54:00:12:34:56');
    const posted = await fetch(`${serve.url}/agent/v1/inventory`, {
      method: 'POST',
      headers: { 'x-dploy-token': token, 'content-type': 'application/xml' },
      body: lshw,
    });
    assert.equal(posted.status, 200, await posted.text());
    await runDploy(['runner', '--once'], { cwd });
    assert.match((await runDploy(['hosts', 'show', 'web01'], { cwd })).stdout, /Status:\s+discovered/);
    await runDploy(['profiles', 'add', fileURLToPath(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url))], { cwd });
    await runDploy(['task', 'set', 'web01', 'install', '--profile', 'debian-12-web'], { cwd });
    await runDploy(['runner', '--once'], { cwd });
    const go = spawnSync(join(path, 'sh'), [SCRIPT], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(go.status, 0, go.stderr);
    assert.match(go.stderr, /rebooting: install debian-12-web is ready/);
    assert.equal(go.stdout.trim(), 'REBOOT-NOW');

    const refused = spawnSync(join(path, 'sh'), [SCRIPT, '--token', 'wrong'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /ERROR: dploy refused the enrollment token/);
  } finally {
    await serve.stop();
  }
});

// `dploy serve` with dhcp.server set keeps the site DHCP server's dploy hosts
// file in step with the machines: written at start, rewritten soon after a
// discovery, and on its schedule for what other processes changed (`dploy
// hosts add|forget` from the CLI). The file is what ISC dhcpd's own test mode
// accepts when the site's dhcpd.conf includes it; the reload command runs once
// per change and never for an unchanged file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStore } from '../../../plugin/store/database.js';
import { enrollmentToken } from '../../../plugin/store/settings.js';
import { runDploy } from '../../support/cli.js';
import { startServe } from '../../support/serve.js';
import { DHCP_TOOLS, requireTool } from './debian-tools.js';

const LSHW = readFileSync(new URL('../../fixtures/lshw/qemu-seabios-pc.xml', import.meta.url));

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the ISC dhcpd hosts file follows discoveries and CLI changes, dhcpd -t accepts it, and reloads run once per change', async () => {
  requireTool('isc');
  const dir = mkdtempSync(join(tmpdir(), 'dploy-dhcp-sync-'));
  const hostsFile = join(dir, 'dploy-hosts.conf');
  const reloads = join(dir, 'reloads.log');
  writeFileSync(join(dir, 'reload.sh'), `echo reloaded >> ${reloads}\n`);
  // The site's dhcpd.conf, including dploy's file as docs/dhcp.md says.
  const siteConf = join(dir, 'dhcpd.conf');
  writeFileSync(siteConf, `subnet 192.0.2.0 netmask 255.255.255.0 { range 192.0.2.100 192.0.2.200; }\ninclude "${hostsFile}";\n`);
  const dhcpdAccepts = () => spawnSync(DHCP_TOOLS.isc.path, ['-t', '-cf', siteConf], { encoding: 'utf8' });
  const reloadCount = () => (existsSync(reloads) ? readFileSync(reloads, 'utf8').trim().split('\n').length : 0);
  const env = {
    DPLOY_DATABASE_URL: `sqlite:${join(dir, 'dploy.sqlite')}`,
    DPLOY_TFTP_ENABLED: 'false',
    DPLOY_RUNNER_ENABLED: 'false',
    DPLOY_HTTP_BASE_URL: 'http://192.0.2.10:8080',
    DPLOY_DHCP_SERVER: 'isc',
    DPLOY_DHCP_HOSTS_FILE: hostsFile,
    DPLOY_DHCP_RELOAD_COMMAND: `sh ${join(dir, 'reload.sh')}`,
    DPLOY_DHCP_SCHEDULE: '*/1 * * * * *',
  };
  const serve = await startServe({ cwd: dir, env });
  try {
    // The reload runs right after the file is renamed into place: wait for both.
    await until('the hosts file written at start, then the reload', () => existsSync(hostsFile) && reloadCount() === 1);
    assert.doesNotMatch(readFileSync(hostsFile, 'utf8'), /hardware ethernet/);

    const store = await openStore(env.DPLOY_DATABASE_URL);
    const token = await enrollmentToken(store.db.manager).finally(() => store.close());
    const posted = await fetch(`${serve.url}/agent/v1/inventory`, {
      method: 'POST',
      body: gzipSync(LSHW),
      headers: { 'content-type': 'application/xml', 'content-encoding': 'gzip', 'x-dploy-token': token },
    });
    assert.equal(posted.status, 200, await posted.text());
    await until('the discovered machine in the hosts file', () => /hardware ethernet 52:54:00:d0:00:01;/.test(readFileSync(hostsFile, 'utf8')));
    const checked = dhcpdAccepts();
    assert.equal(checked.status, 0, `dhcpd -t refused the site config with dploy's file:\n${checked.stderr}`);
    await until('the second reload', () => reloadCount() === 2);

    // Another process changes the machines: the schedule picks it up.
    const added = await runDploy(['hosts', 'add', '--mac', '52:54:00:aa:bb:01', '--name', 'web42'], { cwd: dir, env });
    assert.equal(added.code, 0, added.stderr);
    await until('web42 in the hosts file', () => /host web42 \{[^}]*52:54:00:aa:bb:01/s.test(readFileSync(hostsFile, 'utf8')));
    assert.equal(dhcpdAccepts().status, 0);
    const forgot = await runDploy(['hosts', 'forget', 'web42'], { cwd: dir, env });
    assert.equal(forgot.code, 0, forgot.stderr);
    await until('web42 gone from the hosts file', () => !/web42/.test(readFileSync(hostsFile, 'utf8')));
    await until('one reload per change (4 so far)', () => reloadCount() === 4);
    const count = reloadCount();
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(reloadCount(), count, 'no rewrite and no reload while nothing changes');
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dploy refuses to start with dhcp.server set and no hosts file, naming the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-dhcp-cfg-'));
  try {
    const run = await runDploy(['serve'], { cwd: dir, env: { DPLOY_DHCP_SERVER: 'kea' } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /dhcp\.hostsFile.*a file path is required when dhcp\.server is kea/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

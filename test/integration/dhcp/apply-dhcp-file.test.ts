// applyDhcpFile against the real validators: the server's file is replaced
// only by content its own test mode accepted, atomically, and the reload
// command runs only when something changed.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { applyDhcpBootFile, applyDhcpFile, DHCP_PROVIDERS, exportDhcp } from '../../../plugin/dhcp/index.js';
import type { DhcpProvider } from '../../../plugin/dhcp/index.js';
import { SITE_HOSTS, SITE_OPTIONS } from '../../fixtures/dhcp/site.js';
import { requireTool } from './debian-tools.js';

const SERVERS = ['isc', 'kea', 'dnsmasq'] as const;
let dir = '';
let reloads = '';
/** A real reload command: appends one line per run, so the tests can count runs. */
let reloadCommand: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dploy-dhcp-apply-'));
  reloads = join(dir, 'reloads.log');
  reloadCommand = ['/bin/sh', '-c', 'echo reloaded >> "$0"', reloads];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function reloadCount(): Promise<number> {
  const text = await readFile(reloads, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line === 'reloaded').length;
}

/** A provider whose renderer skipped the escaping: the validator is the last line of defence. */
function unescaped(provider: DhcpProvider, content: string): DhcpProvider {
  return { ...provider, render: () => content };
}

const BROKEN = {
  isc: 'host web01 { hardware ethernet 52:54:00:00:00:01; option host-name "web"01"; }\n',
  kea: '[ { "hw-address": "52:54:00:00:00:01", "hostname": "web"01" } ]\n',
  dnsmasq: '52:54:00:00:00:01,set:dploy,192.0.2.10,web01\n52:54:00:zz:00:02,web02\n',
};

for (const server of SERVERS) {
  test(`${server}: a first apply writes the validated file and reloads once`, async () => {
    requireTool(server);
    const path = join(dir, 'hosts');
    const outcome = await applyDhcpFile({ provider: DHCP_PROVIDERS[server](), path, entries: SITE_HOSTS, options: SITE_OPTIONS, reloadCommand });
    assert.deepEqual(outcome, { changed: true, reloaded: true });
    assert.equal(await readFile(path, 'utf8'), exportDhcp(server, SITE_HOSTS, SITE_OPTIONS));
    assert.equal(await reloadCount(), 1);
    assert.deepEqual((await readdir(dir)).sort(), ['hosts', 'reloads.log'], 'no temporary file may be left behind');
  });

  test(`${server}: applying the same entries again rewrites nothing and does not reload`, async () => {
    requireTool(server);
    const path = join(dir, 'hosts');
    const request = { provider: DHCP_PROVIDERS[server](), path, entries: SITE_HOSTS, options: SITE_OPTIONS, reloadCommand };
    await applyDhcpFile(request);
    const before = await stat(path);
    const outcome = await applyDhcpFile({ ...request, entries: [...SITE_HOSTS].reverse() });
    assert.deepEqual(outcome, { changed: false, reloaded: false });
    assert.equal((await stat(path)).ino, before.ino, 'the file must not have been replaced');
    assert.equal(await reloadCount(), 1);
  });

  test(`${server}: a file the validator rejects leaves the old file in place and does not reload`, async () => {
    requireTool(server);
    const path = join(dir, 'hosts');
    await applyDhcpFile({ provider: DHCP_PROVIDERS[server](), path, entries: SITE_HOSTS, options: SITE_OPTIONS });
    const old = await readFile(path, 'utf8');
    const broken = unescaped(DHCP_PROVIDERS[server](), BROKEN[server]);
    await assert.rejects(applyDhcpFile({ provider: broken, path, entries: SITE_HOSTS, options: SITE_OPTIONS, reloadCommand }), (err: unknown) => {
      assert.ok(isDployError(err, 'DPLOY_ERR_DHCP_REJECTED'), String(err));
      assert.match(err.message, /left unchanged/);
      assert.match(err.message, /web"01|not-a-mac|bad hex|hostname|expecting|line/i, "the validator's own words must be in the message");
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), old);
    assert.equal(await reloadCount(), 0);
    assert.deepEqual((await readdir(dir)).sort(), ['hosts'], 'the rejected temporary file must be removed');
  });

  test(`${server}: a hostile host name is refused before anything is written`, async () => {
    requireTool(server);
    const path = join(dir, 'hosts');
    await writeFile(path, 'previous content\n');
    const entries = [...SITE_HOSTS, { name: 'evil";\n}', mac: '52:54:00:0a:00:99' }];
    await assert.rejects(applyDhcpFile({ provider: DHCP_PROVIDERS[server](), path, entries, options: SITE_OPTIONS, reloadCommand }), (err: unknown) =>
      isDployError(err, 'DPLOY_ERR_INVALID_INPUT'),
    );
    assert.equal(await readFile(path, 'utf8'), 'previous content\n');
    assert.equal(await reloadCount(), 0);
  });

  test(`${server}: the boot snippet goes through the same validated write`, async () => {
    requireTool(server);
    const path = join(dir, 'boot');
    const outcome = await applyDhcpBootFile({ provider: DHCP_PROVIDERS[server](), path, options: SITE_OPTIONS });
    assert.deepEqual(outcome, { changed: true, reloaded: false });
    assert.equal(await readFile(path, 'utf8'), exportDhcp(server, [], SITE_OPTIONS, 'boot'));
  });
}

test('a failing reload command is reported with its exit code and output, the new file kept', async () => {
  requireTool('dnsmasq');
  const path = join(dir, 'hosts');
  const failing = ['/bin/sh', '-c', 'echo "dnsmasq.service is not loaded" >&2; exit 5'];
  await assert.rejects(
    applyDhcpFile({ provider: DHCP_PROVIDERS.dnsmasq(), path, entries: SITE_HOSTS, options: SITE_OPTIONS, reloadCommand: failing }),
    (err: unknown) => {
      assert.ok(isDployError(err, 'DPLOY_ERR_DHCP_RELOAD'), String(err));
      assert.match(err.message, /exited with 5/);
      assert.match(err.message, /dnsmasq\.service is not loaded/);
      assert.match(err.message, /still runs the old entries/);
      return true;
    },
  );
  assert.equal(await readFile(path, 'utf8'), exportDhcp('dnsmasq', SITE_HOSTS, SITE_OPTIONS));
});

test('a reload command that does not exist is reported as not found', async () => {
  requireTool('dnsmasq');
  await assert.rejects(
    applyDhcpFile({
      provider: DHCP_PROVIDERS.dnsmasq(),
      path: join(dir, 'hosts'),
      entries: [],
      options: SITE_OPTIONS,
      reloadCommand: ['/nonexistent/reload-dhcp'],
    }),
    /reload-dhcp` was not found/,
  );
});

test('the reload command is an argv array: shell syntax in an argument is not interpreted', async () => {
  requireTool('dnsmasq');
  const marker = join(dir, 'injected');
  await applyDhcpFile({
    provider: DHCP_PROVIDERS.dnsmasq(),
    path: join(dir, 'hosts'),
    entries: [],
    options: SITE_OPTIONS,
    reloadCommand: ['/bin/echo', `; touch ${marker}`],
  });
  assert.equal(
    await stat(marker).then(
      () => true,
      () => false,
    ),
    false,
  );
});

test('an existing file keeps its permissions when replaced', async () => {
  requireTool('isc');
  const path = join(dir, 'hosts');
  await writeFile(path, '# empty\n', { mode: 0o640 });
  await applyDhcpFile({ provider: DHCP_PROVIDERS.isc(), path, entries: SITE_HOSTS, options: SITE_OPTIONS });
  assert.equal((await stat(path)).mode & 0o777, 0o640);
});

test('a directory dploy cannot write to is reported as a configuration problem naming it', async () => {
  requireTool('isc');
  const path = join(dir, 'missing', 'hosts');
  await assert.rejects(applyDhcpFile({ provider: DHCP_PROVIDERS.isc(), path, entries: SITE_HOSTS, options: SITE_OPTIONS }), (err: unknown) => {
    assert.ok(isDployError(err, 'DPLOY_ERR_CONFIG'), String(err));
    assert.match(err.message, new RegExp(`write access to ${join(dir, 'missing')}`));
    return true;
  });
});

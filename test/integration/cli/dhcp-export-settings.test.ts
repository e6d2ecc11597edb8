// The DHCP boot settings (dhcp.loaders.*, domain, dnsServers, proxyNetwork)
// reach the files `dploy dhcp export` prints, and those files pass the
// servers' own test modes; a wrong value stops the export with its name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DHCP_PROVIDERS } from '../../../plugin/dhcp/index.js';
import { runDploy } from '../../support/cli.js';
import { requireTool } from '../dhcp/debian-tools.js';

const SETTINGS = {
  DPLOY_HTTP_BASE_URL: 'http://192.0.2.10:8080',
  DPLOY_DHCP_LOADERS_BIOS: 'undionly.kpxe',
  DPLOY_DHCP_LOADERS_HTTP_X64: 'http://192.0.2.10:8080/boot/files/snponly.efi',
  DPLOY_DHCP_DOMAIN: 'lab.example.org',
  DPLOY_DHCP_DNS_SERVERS: '192.0.2.53 192.0.2.54',
};

test('dhcp.loaders, domain and dnsServers reach the ISC boot snippet and host entries, which dhcpd -t accepts', async () => {
  requireTool('isc');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-dhcp-settings-'));
  assert.equal((await runDploy(['hosts', 'add', '--mac', '52:54:00:00:aa:01', '--name', 'web01'], { cwd })).code, 0);
  const boot = await runDploy(['dhcp', 'export', '--server', 'isc', '--boot'], { cwd, env: SETTINGS });
  assert.equal(boot.code, 0, boot.stderr);
  assert.match(boot.stdout, /"undionly\.kpxe"/);
  assert.match(boot.stdout, /"http:\/\/192\.0\.2\.10:8080\/boot\/files\/snponly\.efi"/);
  assert.doesNotMatch(boot.stdout, /pxelinux\.0/, 'the BIOS default is replaced, not added to');
  const hosts = await runDploy(['dhcp', 'export', '--server', 'isc'], { cwd, env: SETTINGS });
  assert.equal(hosts.code, 0, hosts.stderr);
  assert.match(hosts.stdout, /lab\.example\.org/);
  assert.match(hosts.stdout, /192\.0\.2\.53, 192\.0\.2\.54|192\.0\.2\.53,192\.0\.2\.54/);
  for (const [kind, text] of [
    ['boot', boot.stdout],
    ['hosts', hosts.stdout],
  ] as const) {
    const file = join(cwd, `isc-${kind}.conf`);
    writeFileSync(file, text);
    await DHCP_PROVIDERS.isc().validate(file, kind);
  }
});

test('dhcp.proxyNetwork makes dnsmasq a proxy-DHCP server for that network, which dnsmasq --test accepts', async () => {
  requireTool('dnsmasq');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-dhcp-settings-'));
  const boot = await runDploy(['dhcp', 'export', '--server', 'dnsmasq', '--boot'], { cwd, env: { ...SETTINGS, DPLOY_DHCP_PROXY_NETWORK: '192.0.2.0/24' } });
  assert.equal(boot.code, 0, boot.stderr);
  assert.match(boot.stdout, /^dhcp-range=192\.0\.2\.0,proxy,255\.255\.255\.0$/m);
  assert.match(boot.stdout, /^pxe-service=.*undionly/m);
  const file = join(cwd, 'dnsmasq-boot.conf');
  writeFileSync(file, boot.stdout);
  await DHCP_PROVIDERS.dnsmasq().validate(file, 'boot');
});

test('a wrong DHCP setting stops the export and names the setting’s value', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-dhcp-settings-'));
  const bad = await runDploy(['dhcp', 'export', '--server', 'isc', '--boot'], { cwd, env: { ...SETTINGS, DPLOY_DHCP_DNS_SERVERS: '192.0.2.53 not-an-ip' } });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /DNS server.*not-an-ip/);
  assert.equal(bad.stdout, '', 'nothing half-written');
  const proxy = await runDploy(['dhcp', 'export', '--server', 'dnsmasq', '--boot'], { cwd, env: { ...SETTINGS, DPLOY_DHCP_PROXY_NETWORK: '192.0.2.0/33' } });
  assert.notEqual(proxy.code, 0);
  assert.match(proxy.stderr, /proxy network.*192\.0\.2\.0\/33/);
});

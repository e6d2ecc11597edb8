// Whole-file comparison of what each server's writer renders for the test
// site. To accept a deliberate change: DPLOY_UPDATE_GOLDEN=1, then review the
// diff of test/fixtures/dhcp before committing it.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { exportDhcp } from '../../../plugin/dhcp/index.js';
import { DNSMASQ_PROXY_GOLDEN, GOLDEN_FILES, PROXY_OPTIONS, SITE_HOSTS, SITE_OPTIONS } from '../../fixtures/dhcp/site.js';

const fixtures = new URL('../../fixtures/dhcp/', import.meta.url);

function assertGolden(name: string, rendered: string): void {
  const file = new URL(name, fixtures);
  if (process.env.DPLOY_UPDATE_GOLDEN === '1') writeFileSync(file, rendered);
  assert.equal(rendered, readFileSync(file, 'utf8'), `rendered output differs from test/fixtures/dhcp/${name}`);
}

for (const server of ['isc', 'kea', 'dnsmasq'] as const) {
  test(`the ${server} hosts file for the test site matches its golden file`, () => {
    assertGolden(GOLDEN_FILES[server].hosts, exportDhcp(server, SITE_HOSTS, SITE_OPTIONS));
  });

  test(`the ${server} boot snippet matches its golden file`, () => {
    assertGolden(GOLDEN_FILES[server].boot, exportDhcp(server, SITE_HOSTS, SITE_OPTIONS, 'boot'));
  });

  test(`the ${server} hosts file does not depend on the order entries arrive in`, () => {
    const reversed = [...SITE_HOSTS].reverse();
    assert.equal(exportDhcp(server, reversed, SITE_OPTIONS), exportDhcp(server, SITE_HOSTS, SITE_OPTIONS));
  });
}

test('the dnsmasq proxy-DHCP boot snippet matches its golden file', () => {
  assertGolden(DNSMASQ_PROXY_GOLDEN, exportDhcp('dnsmasq', SITE_HOSTS, PROXY_OPTIONS, 'boot'));
});

test('the Kea files are plain JSON arrays a program can read back', () => {
  const reservations = JSON.parse(exportDhcp('kea', SITE_HOSTS, SITE_OPTIONS)) as Array<Record<string, unknown>>;
  assert.equal(reservations.length, SITE_HOSTS.length);
  const dynamic = reservations.find((r) => r.hostname === 'dynamic-node06');
  assert.equal(dynamic?.['hw-address'], '52:54:00:0a:00:06');
  assert.equal('ip-address' in (dynamic ?? {}), false, 'a host without an address must not get ip-address');
  const classes = JSON.parse(exportDhcp('kea', [], SITE_OPTIONS, 'boot')) as Array<{ name: string }>;
  assert.equal(classes[0]?.name, 'dploy-ipxe', 'the iPXE class must come first');
});

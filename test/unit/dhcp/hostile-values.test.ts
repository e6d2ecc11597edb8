// Host names and settings come from operators and from booting machines'
// inventories: a quote, brace, semicolon, comma or newline in one of them must
// never reach a DHCP server's configuration as syntax.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { exportDhcp } from '../../../plugin/dhcp/index.js';
import type { DhcpBootOptions, DhcpHostEntry } from '../../../plugin/dhcp/index.js';
import { SITE_OPTIONS } from '../../fixtures/dhcp/site.js';

const SERVERS = ['isc', 'kea', 'dnsmasq'] as const;
const good: DhcpHostEntry = { name: 'web01', mac: '52:54:00:00:00:01', ip: '192.0.2.10' };

const hostileEntries: Array<[string, DhcpHostEntry]> = [
  ['a quote in the name', { ...good, name: 'web01" { filename "evil' }],
  ['a brace in the name', { ...good, name: 'web01}' }],
  ['a semicolon in the name', { ...good, name: 'web01;next-server 203.0.113.9' }],
  ['a newline in the name', { ...good, name: 'web01\ndhcp-boot=evil.efi' }],
  ['a comma in the name', { ...good, name: 'web01,203.0.113.9' }],
  ['statements after the MAC', { ...good, mac: '52:54:00:00:00:01; filename "evil"' }],
  ['a multicast MAC', { ...good, mac: '01:00:5e:00:00:01' }],
  ['statements after the address', { ...good, ip: '192.0.2.10; filename "evil"' }],
  ['an address out of range', { ...good, ip: '192.0.2.300' }],
];

const hostileOptions: Array<[string, Partial<DhcpBootOptions>]> = [
  ['a quote in a loader name', { loaders: { bios: 'pxelinux.0"; filename "evil' } }],
  ['a parent directory in a loader name', { loaders: { efiX64: '../../etc/shadow' } }],
  ['a comma in a loader name', { loaders: { efiX64: 'grubx64.efi,,203.0.113.9' } }],
  ['a newline in the HTTP base URL', { httpBaseUrl: 'http://192.0.2.1\ndhcp-boot=evil' }],
  ['a quote in the HTTP base URL', { httpBaseUrl: 'http://192.0.2.1/"' }],
  ['a next-server that is not an address', { nextServer: '192.0.2.1; filename "evil"' }],
  ['a domain with a brace', { domain: 'lab}.example.org' }],
  ['a DNS server with a comma', { dnsServers: ['192.0.2.53,203.0.113.9'] }],
];

function assertRefused(render: () => string): void {
  assert.throws(render, (err: unknown) => isDployError(err, 'DPLOY_ERR_INVALID_INPUT'));
}

for (const server of SERVERS) {
  for (const [what, entry] of hostileEntries) {
    test(`${server} refuses a host entry with ${what}`, () => {
      assertRefused(() => exportDhcp(server, [good, entry], SITE_OPTIONS));
    });
  }
  for (const [what, options] of hostileOptions) {
    test(`${server} refuses boot options with ${what}`, () => {
      assertRefused(() => exportDhcp(server, [good], { ...SITE_OPTIONS, ...options }, 'boot'));
      assertRefused(() => exportDhcp(server, [good], { ...SITE_OPTIONS, ...options }));
    });
  }
  test(`${server} refuses two entries with the same name, MAC or address`, () => {
    assertRefused(() => exportDhcp(server, [good, { ...good, mac: '52:54:00:00:00:02', ip: '192.0.2.11' }], SITE_OPTIONS));
    assertRefused(() => exportDhcp(server, [good, { ...good, name: 'web02', ip: '192.0.2.11' }], SITE_OPTIONS));
    assertRefused(() => exportDhcp(server, [good, { ...good, name: 'web02', mac: '52:54:00:00:00:02' }], SITE_OPTIONS));
  });
}

test('the refusal names the offending value so the operator can find it', () => {
  assert.throws(() => exportDhcp('isc', [{ ...good, name: 'web"01' }], SITE_OPTIONS), /web\\"01/);
});

test('proxy-DHCP is refused for ISC dhcpd and Kea, which cannot serve it', () => {
  for (const server of ['isc', 'kea'] as const) {
    assertRefused(() => exportDhcp(server, [], { ...SITE_OPTIONS, proxyNetwork: '192.0.2.0/24' }, 'boot'));
  }
});

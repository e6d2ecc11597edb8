import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandListenAddress } from '../../../plugin/tftp/listen-addresses.js';

test('0.0.0.0 becomes one listener per interface address, so each reply leaves from the address asked', () => {
  const interfaces = {
    lo: [
      { address: '127.0.0.1', family: 'IPv4' },
      { address: '::1', family: 'IPv6' },
    ],
    eth0: [
      { address: '192.0.2.10', family: 'IPv4' },
      { address: 'fe80::1', family: 'IPv6' },
    ],
    eth1: [
      { address: '198.51.100.7', family: 'IPv4' },
      { address: '2001:db8::7', family: 'IPv6' },
    ],
  } as unknown as Parameters<typeof expandListenAddress>[2];
  assert.deepEqual(expandListenAddress('0.0.0.0', true, interfaces), ['127.0.0.1', '192.0.2.10', '198.51.100.7']);
  assert.deepEqual(expandListenAddress('::', true, interfaces), ['::1', '2001:db8::7']);
  assert.deepEqual(expandListenAddress('0.0.0.0', false, interfaces), ['0.0.0.0']);
  assert.deepEqual(expandListenAddress('192.0.2.10', true, interfaces), ['192.0.2.10']);
});

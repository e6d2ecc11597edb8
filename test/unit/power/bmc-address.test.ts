import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBmcAddress, parseBmcAddress } from '../../../plugin/power/bmc-address.js';

test("addresses parse with each driver's default port and print back the way they were written", () => {
  assert.deepEqual(parseBmcAddress('ipmi://oper@10.0.0.5'), { driver: 'ipmi', user: 'oper', address: '10.0.0.5', port: 623 });
  assert.deepEqual(parseBmcAddress('redfish://root@[fd00::5]:8443'), { driver: 'redfish', user: 'root', address: 'fd00::5', port: 8443 });
  for (const text of ['ipmi://oper@10.0.0.5', 'redfish://root@[fd00::5]:8443', 'ipmi://a.b-c_d@bmc-01.rack2.example.net:6230']) {
    assert.equal(formatBmcAddress(parseBmcAddress(text)), text);
  }
});

test("anything that could reach ipmitool's command line or a URL as more than a host is refused", () => {
  for (const text of [
    'ipmi://oper@10.0.0.5 -H x',
    'ipmi://oper@10.0.0.5/redfish',
    'ipmi://op$er@10.0.0.5',
    'ipmi://oper@[::g]',
    'ipmi://oper@10.0.0.5:0',
    'ipmi://oper@',
    'IPMI://oper@10.0.0.5',
    'ipmi://oper@10.0.0.5\r',
  ]) {
    assert.throws(() => parseBmcAddress(text), { code: 'DPLOY_ERR_INVALID_INPUT' }, JSON.stringify(text));
  }
});

test('TLS drivers take per-BMC options (?tls=1.0, ?insecure); IPMI takes none, and unknown options are refused', () => {
  assert.deepEqual(parseBmcAddress('ribcl://Administrator@10.0.0.7?tls=1.0'), {
    driver: 'ribcl',
    user: 'Administrator',
    address: '10.0.0.7',
    port: 443,
    options: { legacyTls10: true },
  });
  assert.deepEqual(parseBmcAddress('redfish://root@10.0.0.8:8443?insecure').options, { insecure: true });
  for (const text of ['ribcl://a@10.0.0.7?tls=1.0&insecure', 'redfish://root@bmc.example.net?insecure'])
    assert.equal(formatBmcAddress(parseBmcAddress(text)), text);
  assert.throws(() => parseBmcAddress('ipmi://oper@10.0.0.5?insecure'), /ipmi has no options/);
  assert.throws(() => parseBmcAddress('ribcl://a@10.0.0.7?tls=1.1'), /unknown option "tls=1.1"/);
  assert.throws(() => parseBmcAddress('ribcl://a@10.0.0.7?ca=/etc/passwd'), { code: 'DPLOY_ERR_INVALID_INPUT' });
});

// ipmitool 1.8.19's own words (captured with -v against ipmi_sim and an
// unused port, 2026-12-06; pyghmi's fake BMC, 2026-12-07) sorted into what dploy does about them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyIpmitool, timeoutAndRetries } from '../../../plugin/power/ipmi/ipmitool-output.js';

const CAPTURED = {
  wrongPassword: 'Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n',
  unknownUser: 'Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n',
  unreachable:
    'Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n',
  suite17: 'Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n',
  // pyghmi's FakeBmc (2026-12-07) answers suite 17's open session with HMAC-SHA1.
  suite17Sha1: 'Authentication algorithm 0x01 is not what we requested 0x03\n\nError: Unable to establish IPMI v2 / RMCP+ session\n',
  diag: 'Get HPM.x Capabilities request failed, compcode = d4\nSet Chassis Power Control to Diag failed: Invalid data field in request\n',
  scriptFailed: 'Discovered IPMB address 0x0\nSet Chassis Power Control to Up/On failed: Unspecified error\n',
};

const codeOf = (out: string) => {
  const f = classifyIpmitool(out, 'IPMI 127.0.0.1');
  return f.kind === 'cipher' ? 'cipher' : f.error.code;
};

test('each captured failure lands in its kind', () => {
  assert.equal(codeOf(CAPTURED.wrongPassword), 'DPLOY_ERR_BMC_AUTH');
  assert.equal(codeOf(CAPTURED.unknownUser), 'DPLOY_ERR_BMC_AUTH');
  assert.equal(codeOf(CAPTURED.unreachable), 'DPLOY_ERR_BMC_UNREACHABLE');
  assert.equal(codeOf(CAPTURED.suite17), 'cipher');
  assert.equal(codeOf(CAPTURED.suite17Sha1), 'cipher');
  assert.equal(codeOf(CAPTURED.diag), 'DPLOY_ERR_BMC_UNSUPPORTED');
  assert.equal(codeOf(CAPTURED.scriptFailed), 'DPLOY_ERR_BMC');
  // Completion code 0xC0 as ipmitool prints it (ipmi_strings.c).
  assert.equal(codeOf('Set Chassis Power Control to Cycle failed: Node busy\n'), 'DPLOY_ERR_BMC_BUSY');
});

test('the operator reads the reason, not the generic last line', () => {
  const f = classifyIpmitool(CAPTURED.wrongPassword, 'IPMI 127.0.0.1');
  assert.equal(f.kind === 'error' && f.error.message, 'IPMI 127.0.0.1: login refused: wrong user or password (ipmitool: > RAKP 2 HMAC is invalid)');
});

test('-N/-R fit the budget: about N×(R+1) seconds for a BMC that never answers', () => {
  assert.deepEqual(timeoutAndRetries(2000), { timeoutS: 1, retries: 1 });
  assert.deepEqual(timeoutAndRetries(6000), { timeoutS: 2, retries: 2 });
  assert.deepEqual(timeoutAndRetries(60000), { timeoutS: 2, retries: 3 });
});

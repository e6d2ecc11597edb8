// The power policy as an operator sets it: per-driver keys in dploy.yaml or
// DPLOY_POWER_<DRIVER>_* variables, turned into the waits PowerControl uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../plugin/config/index.js';
import { policiesFromSettings } from '../../../plugin/power/index.js';

function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-power-policy-'));
  writeFileSync(join(cwd, 'dploy.yaml'), yaml);
  return loadConfig({ cwd, env });
}

function refusal(yaml: string, env: NodeJS.ProcessEnv = {}): string {
  assert.throws(() => load(yaml, env), { code: 'DPLOY_ERR_CONFIG' });
  try {
    load(yaml, env);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

test('shipped: IPMI rests 5 s and re-reads after 2, 4, 8, 16 s; Redfish 1 s and every 1 s; iLO RIBCL 2 s and every 2 s', () => {
  const p = policiesFromSettings(load('').config.power);
  assert.equal(p.ipmi?.minIntervalMs, 5000);
  assert.deepEqual(p.ipmi?.verifyWaitsMs, [2000, 4000, 8000, 16000]);
  assert.equal(p.redfish?.minIntervalMs, 1000);
  assert.deepEqual(p.redfish?.verifyWaitsMs, Array(30).fill(1000));
  assert.equal(p.ribcl?.minIntervalMs, 2000);
  assert.deepEqual(p.ribcl?.verifyWaitsMs, Array(15).fill(2000));
});

test('a fast Redfish rack from the file, one IPMI key from the environment; the last re-read is cut to the budget', () => {
  const yaml =
    'power:\n  redfish:\n    restMs: 250\n    verifyFirstMs: 250\n    verifySeconds: 15\n  ribcl:\n    verifyFirstMs: 1000\n    verifyGrowth: 1.5\n    verifySeconds: 10\n';
  const p = policiesFromSettings(load(yaml, { DPLOY_POWER_IPMI_REST_MS: '8000' }).config.power);
  assert.equal(p.redfish?.minIntervalMs, 250);
  assert.deepEqual(p.redfish?.verifyWaitsMs, Array(60).fill(250));
  assert.equal(p.ipmi?.minIntervalMs, 8000);
  assert.deepEqual(p.ipmi?.verifyWaitsMs, [2000, 4000, 8000, 16000]);
  assert.deepEqual(p.ribcl?.verifyWaitsMs, [1000, 1500, 2250, 3375, 1875]);
});

test('bad values are refused naming the key, where it came from and why', () => {
  assert.match(refusal('power:\n  redfish:\n    verifyGrowth: 0.5\n'), /power\.redfish\.verifyGrowth \(from .*dploy\.yaml\): expected at least 1/);
  assert.match(refusal('', { DPLOY_POWER_IPMI_REST_MS: 'fast' }), /power\.ipmi\.restMs \(from DPLOY_POWER_IPMI_REST_MS\): expected number, got "fast"/);
  assert.match(
    refusal('power:\n  ribcl:\n    verifyFirstMs: 5000\n    verifySeconds: 4\n'),
    /power\.ribcl\.verifyFirstMs .*the first re-read \(5000 ms\) comes after verification has given up \(verifySeconds: 4\)/,
  );
  assert.match(refusal('power:\n  redfish:\n    rest: 250\n'), /power\.redfish\.rest: unknown key/);
});

test('a pace that outlasts the job lease is refused; a short lease with the shipped pace is not', () => {
  assert.match(
    refusal('power:\n  ipmi:\n    verifySeconds: 50\n'),
    /power\.ipmi\.verifySeconds \(from .*dploy\.yaml\): 50 s of re-reads plus three rests of 5000 ms \(restMs\) do not end inside runner\.leaseSeconds \(60 s\)/,
  );
  assert.equal(load('power:\n  ipmi:\n    verifySeconds: 50\nrunner:\n  leaseSeconds: 120\n').config.power.ipmi.verifySeconds, 50);
  assert.equal(load('runner:\n  leaseSeconds: 5\n').config.runner.leaseSeconds, 5);
});

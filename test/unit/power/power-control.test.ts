// The policy every driver shares, over a scripted BMC: a fake (named so)
// because the policy's waits would take minutes against a real one; the real
// ipmitool + ipmi_sim run in test/integration/power/ipmi.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DployError } from '../../../plugin/errors.js';
import { PowerControl, type BmcTarget, type Clock, type PowerAction, type PowerDriver, type PowerState } from '../../../plugin/power/index.js';

const BMC: BmcTarget = { driver: 'ipmi', address: '192.0.2.10', user: 'admin', password: 'pw' };

/** A manual clock: sleeps pass at once but are recorded, so waits can be asserted. */
function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

/** FakeBmc: a machine whose power changes `lag` status reads after the command, with scripted failures. */
function fakeBmc(initial: PowerState, lag = 1, failures: DployError[] = []) {
  let state = initial;
  let pending: { to: PowerState; reads: number } | undefined;
  const sent: string[] = [];
  const fail = () => {
    const e = failures.shift();
    if (e) throw e;
  };
  const driver: PowerDriver = {
    name: 'ipmi',
    settings: [],
    missingTools: async () => [],
    async status() {
      fail();
      if (pending && pending.reads-- <= 0) {
        state = pending.to;
        pending = undefined;
      }
      return state;
    },
    async act(_b, action: PowerAction) {
      fail();
      sent.push(action);
      if (action === 'cycle' && state === 'off') throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', 'Command not supported in present state');
      pending = { to: action === 'off' ? 'off' : 'on', reads: lag };
    },
    async pxeOnce(_b, firmware) {
      fail();
      sent.push(`pxe:${firmware}`);
    },
  };
  return { driver, sent };
}

const policy = { callBudgetMs: 1000, retryWaitsMs: [10, 20], verifyWaitsMs: [100, 200, 400], minIntervalMs: 50 };

test('power on is verified by re-reading the state with growing waits', async () => {
  const bmc = fakeBmc('off', 1);
  const clock = fakeClock();
  const out = await new PowerControl({ ipmi: bmc.driver }, policy, clock).power(BMC, 'on');
  assert.deepEqual(out, { state: 'on', sent: 'on', message: 'power on sent, machine is on' });
  assert.deepEqual(
    clock.slept.filter((ms) => ms >= 100),
    [100, 200],
  );
});

test('a machine that is already on gets no command', async () => {
  const bmc = fakeBmc('on');
  const out = await new PowerControl({ ipmi: bmc.driver }, policy, fakeClock()).power(BMC, 'on');
  assert.equal(out.sent, 'none');
  assert.deepEqual(bmc.sent, []);
});

test('a machine that is off is never cycled: it is powered on, and the status says so', async () => {
  const bmc = fakeBmc('off');
  const out = await new PowerControl({ ipmi: bmc.driver }, policy, fakeClock()).bootFromNetwork(BMC, 'uefi');
  assert.deepEqual(bmc.sent, ['pxe:uefi', 'on']);
  assert.equal(out.message, 'next boot set to PXE once (uefi); was off, so powered on instead of cycle');
});

test('an action the machine never completes fails as not verified, after every wait', async () => {
  const bmc = fakeBmc('on', 99);
  const clock = fakeClock();
  await assert.rejects(
    new PowerControl({ ipmi: bmc.driver }, policy, clock).power(BMC, 'off'),
    (err: DployError) => err.code === 'DPLOY_ERR_BMC_NOT_VERIFIED' && /still on after 1 s/.test(err.message),
  );
});

test('busy and unreachable are retried; a wrong password is not', async () => {
  const busy = fakeBmc('off', 0, [new DployError('DPLOY_ERR_BMC_BUSY', 'Node busy'), new DployError('DPLOY_ERR_BMC_UNREACHABLE', 'no answer')]);
  assert.equal((await new PowerControl({ ipmi: busy.driver }, policy, fakeClock()).power(BMC, 'on')).state, 'on');
  const auth = fakeBmc('off', 0, [new DployError('DPLOY_ERR_BMC_AUTH', 'RAKP 2 HMAC is invalid')]);
  const clock = fakeClock();
  await assert.rejects(new PowerControl({ ipmi: auth.driver }, policy, clock).power(BMC, 'on'), { code: 'DPLOY_ERR_BMC_AUTH' });
  assert.deepEqual(clock.slept, [], 'no retry wait after an auth error');
});

test('retries stop when the retry waits are spent', async () => {
  const errs = [1, 2, 3].map(() => new DployError('DPLOY_ERR_BMC_BUSY', 'Node busy'));
  const bmc = fakeBmc('off', 0, errs);
  await assert.rejects(new PowerControl({ ipmi: bmc.driver }, policy, fakeClock()).status(BMC), { code: 'DPLOY_ERR_BMC_BUSY' });
});

test('one command in flight per BMC, and the minimum interval between two', async () => {
  let inFlight = 0;
  let most = 0;
  const starts: { address: string; at: number }[] = [];
  const t0 = Date.now();
  const driver: PowerDriver = {
    ...fakeBmc('on').driver,
    async status(bmc) {
      starts.push({ address: bmc.address, at: Date.now() - t0 });
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return 'on';
    },
  };
  const control = new PowerControl({ ipmi: driver }, { ...policy, minIntervalMs: 30 });
  const other = { ...BMC, address: '192.0.2.11' };
  await Promise.all([control.status(BMC), control.status(BMC), control.status(BMC), control.status(other)]);
  assert.equal(starts.length, 4);
  // Two BMCs ran side by side (2 at once); each BMC alone never had two.
  assert.equal(most, 2);
  const gaps = starts.filter((s) => s.address === BMC.address).map((s) => s.at);
  assert.ok(gaps[2]! - gaps[0]! >= 2 * (20 + 30) - 5, `same-BMC starts ${gaps.join(',')} respect 20 ms work + 30 ms rest`);
});

test('each driver keeps its own pace: its rest and its re-reads', async () => {
  const slow = fakeBmc('off', 1);
  const quick = fakeBmc('off', 1);
  const clock = fakeClock();
  const control = new PowerControl(
    { ipmi: slow.driver, redfish: quick.driver },
    { ipmi: { ...policy, verifyWaitsMs: [700, 1400], minIntervalMs: 5000 }, redfish: { ...policy, verifyWaitsMs: [30, 30], minIntervalMs: 10 } },
    clock,
  );
  await control.power({ ...BMC, driver: 'redfish' }, 'on');
  assert.deepEqual(clock.slept, [10, 30, 30], 'Redfish: rest 10 ms before the command, re-reads 30 ms apart');
  clock.slept.length = 0;
  await control.power(BMC, 'on');
  assert.deepEqual(clock.slept, [5000, 700, 4300, 1400, 3600], 'IPMI: its 5 s rest holds between commands, re-reads as it says');
});

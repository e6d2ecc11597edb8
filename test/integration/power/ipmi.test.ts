// The IPMI driver through Debian's real ipmitool against OpenIPMI's real
// ipmi_sim on 127.0.0.1, with the policy of plugin/power/power-control.ts.
// Bounds on time are generous (a loaded 2-core machine); speeds are for test/bench.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { createIpmiDriver } from '../../../plugin/power/ipmi/ipmi-driver.js';
import { PowerControl, type BmcTarget } from '../../../plugin/power/index.js';
import { startIpmiSim, SIM_USERS, type IpmiSim } from '../../support/ipmi-sim.js';

const POLICY = { callBudgetMs: 3000, retryWaitsMs: [1000, 2000], verifyWaitsMs: [500, 1000, 2000, 4000], minIntervalMs: 100 };

let sim: IpmiSim;
let bmc: BmcTarget;
const driver = createIpmiDriver();
const control = new PowerControl({ ipmi: driver }, POLICY);

before(async () => {
  assert.deepEqual(await driver.missingTools(), [], 'ipmitool must be installed (.ci/packages.txt)');
  sim = await startIpmiSim({ powerOnDelayS: 1, initialPower: 'off' });
  bmc = { driver: 'ipmi', address: '127.0.0.1', port: sim.port, user: 'oper', password: SIM_USERS.oper };
});
after(() => sim?.stop());

test('status, then power on: the machine is on only after its delay, and dploy waited for it', async () => {
  assert.equal(await control.status(bmc), 'off');
  const out = await control.power(bmc, 'on');
  assert.deepEqual(out, { state: 'on', sent: 'on', message: 'power on sent, machine is on' });
  assert.equal(await sim.power(), 'on');
  assert.deepEqual(await sim.seen(), ['set power 1']);
});

test('power on again sends nothing; cycle goes off then on; off ends off', async () => {
  assert.equal((await control.power(bmc, 'on')).sent, 'none');
  assert.equal((await control.power(bmc, 'cycle')).state, 'on');
  assert.deepEqual((await sim.seen()).slice(1), ['set power 0', 'set power 1']);
  assert.equal((await control.power(bmc, 'off')).state, 'off');
  assert.equal(await sim.power(), 'off');
});

test('PXE once then boot: a machine that is off is powered on, never cycled', async () => {
  const before = (await sim.seen()).length;
  const out = await control.bootFromNetwork(bmc, 'uefi');
  assert.equal(out.message, 'next boot set to PXE once (uefi); was off, so powered on instead of cycle');
  assert.deepEqual((await sim.seen()).slice(before), ['set boot pxe', 'set power 1']);
  await driver.pxeOnce(bmc, 'bios', 3000);
  assert.equal((await readFile(`${sim.dir}/boot`, 'utf8')).trim(), 'pxe');
});

test('a wrong password fails at once as an auth error, without retries and without the password in the message', async () => {
  const t0 = Date.now();
  await assert.rejects(control.status({ ...bmc, password: 'not-the-password' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'DPLOY_ERR_BMC_AUTH');
    assert.match(err.message, /login refused: wrong user or password/);
    assert.doesNotMatch(err.message, /not-the-password/);
    return true;
  });
  assert.ok(Date.now() - t0 < 900, 'no retry wait (the first retry waits 1 s)');
});

test("an unreachable BMC fails within its per-call budget, not ipmitool's default 20 s", async () => {
  const t0 = Date.now();
  await assert.rejects(driver.status({ ...bmc, port: 9 }, 2000), { code: 'DPLOY_ERR_BMC_UNREACHABLE' });
  const ms = Date.now() - t0;
  assert.ok(ms < 6000, `failed after ${ms} ms`);
});

test('a BMC that stops answering for a moment is retried, then the command goes through', async () => {
  sim.freeze(2500);
  const out = await control.power(bmc, 'off');
  assert.equal(out.state, 'off');
});

test("the password never appears on ipmitool's command line (/proc/PID/cmdline), only in its environment", async () => {
  sim.freeze(1500);
  const pending = control.status(bmc);
  await new Promise((r) => setTimeout(r, 400));
  const lines: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('ipmitool') && cmd.includes(`\0${sim.port}\0`)) lines.push(cmd.replaceAll('\0', ' '));
  }
  assert.equal(await pending, 'off');
  assert.ok(lines.length > 0, 'saw the running ipmitool');
  for (const line of lines) {
    assert.doesNotMatch(line, new RegExp(SIM_USERS.oper));
    assert.match(line, / -E -L OPERATOR -C (17|3) /);
  }
});

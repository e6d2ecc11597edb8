// The IPMI driver through Debian's real ipmitool against a second real BMC
// implementation: pyghmi's FakeBmc (python3-pyghmi, run with Debian's own
// python3, bound to 127.0.0.1 by test/support/pyghmi-bmc.py). Unlike
// ipmi_sim, it answers cipher suite 17 with another algorithm, and keeps
// power changes instant.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createIpmiDriver } from '../../../plugin/power/ipmi/ipmi-driver.js';
import { PowerControl, type BmcTarget } from '../../../plugin/power/index.js';

const POLICY = { callBudgetMs: 3000, retryWaitsMs: [1000], verifyWaitsMs: [200, 400, 800], minIntervalMs: 50 };
const PASSWORD = 'pyghmi-pw-7';

let child: ChildProcess;
let seen = '';
let bmc: BmcTarget;
const driver = createIpmiDriver();
const control = new PowerControl({ ipmi: driver }, POLICY);

before(async () => {
  child = spawn('/usr/bin/python3', [new URL('../../support/pyghmi-bmc.py', import.meta.url).pathname, 'oper'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYGHMI_BMC_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (seen += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!/^port \d+$/m.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const port = Number(/^port (\d+)$/m.exec(seen)?.[1]);
  assert.ok(port > 0, `pyghmi's BMC did not start (python3-pyghmi in .ci/packages.txt): ${seen}`);
  bmc = { driver: 'ipmi', address: '127.0.0.1', port, user: 'oper', password: PASSWORD };
});
after(() => child?.kill());

const machineSaw = () => seen.split('\n').filter((l) => /^(power|boot) /.test(l));

test('pyghmi: status off, PXE once, powered on (not cycled, it was off), cycle, off: each verified', async () => {
  assert.equal(await control.status(bmc), 'off');
  const boot = await control.bootFromNetwork(bmc, 'bios');
  assert.equal(boot.message, 'next boot set to PXE once (bios); was off, so powered on instead of cycle');
  assert.equal((await control.power(bmc, 'on')).sent, 'none');
  assert.deepEqual(await control.power(bmc, 'cycle'), { state: 'on', sent: 'cycle', message: 'power cycle sent, machine is on' });
  assert.equal((await control.power(bmc, 'off')).state, 'off');
  assert.deepEqual(machineSaw(), ['boot network', 'power on', 'power cycle', 'power off']);
});

test('pyghmi: a wrong password is an auth error, at once, without the password in the message', async () => {
  const t0 = Date.now();
  await assert.rejects(control.status({ ...bmc, password: 'not-the-password' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'DPLOY_ERR_BMC_AUTH', err.message);
    assert.doesNotMatch(err.message, /not-the-password/);
    return true;
  });
  assert.ok(Date.now() - t0 < 3000, 'no retry wait');
});

// The HP iLO RIBCL driver against the fake iLO of test/support/fake-ilo.ts,
// which Debian's real hpilo_cli (python3-hpilo) drives first in the same
// file: the fake is only trusted because a real iLO client accepts it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { createRibclDriver } from '../../../plugin/power/ribcl/ribcl-driver.js';
import { PowerControl, type BmcTarget } from '../../../plugin/power/index.js';
import { startFakeIlo, type FakeIlo, type FakeIloOptions } from '../../support/fake-ilo.js';

const POLICY = { callBudgetMs: 3000, retryWaitsMs: [200, 400], verifyWaitsMs: [200, 400, 800, 1600], minIntervalMs: 20 };

async function withIlo(o: FakeIloOptions, body: (ilo: FakeIlo, bmc: BmcTarget) => Promise<void>): Promise<void> {
  const ilo = await startFakeIlo(o);
  try {
    await body(ilo, { driver: 'ribcl', address: '127.0.0.1', port: ilo.port, user: ilo.user, password: ilo.password, tls: { pinnedSha256: ilo.certSha256 } });
  } finally {
    await ilo.stop();
  }
}

function hpiloCli(ilo: FakeIlo, password: string, ...methods: string[]): Promise<{ ok: boolean; out: string }> {
  // Debian's own python3 (python3-hpilo), a clean environment; 127.0.0.1 because hpilo treats "localhost" as the local hponcfg.
  return new Promise((resolve) =>
    execFile(
      '/usr/bin/python3',
      ['/usr/bin/hpilo_cli', '--json', '-l', ilo.user, '-p', password, `--port=${ilo.port}`, '127.0.0.1', ...methods],
      { env: { PATH: '/usr/bin:/bin' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }),
    ),
  );
}

for (const generation of ['ilo4', 'ilo2'] as const) {
  test(`the fake ${generation} is faithful enough for Debian's real hpilo_cli: power status, power on, one-time network boot read back, wrong password`, () =>
    withIlo({ generation }, async (ilo) => {
      const run = await hpiloCli(
        ilo,
        ilo.password,
        'get_host_power_status',
        '+',
        'set_host_power',
        'host_power=True',
        '+',
        'set_one_time_boot',
        'device=network',
        '+',
        'get_one_time_boot',
      );
      assert.ok(run.ok, run.out);
      assert.deepEqual(JSON.parse(run.out), ['OFF', 'network']);
      assert.deepEqual(ilo.commands, ['SET_HOST_POWER Yes', 'SET_ONE_TIME_BOOT NETWORK']);
      // hpilo_cli detects the transport itself: HTTP on iLO 3/4, raw XML after a 404 on iLO 2.
      assert.ok(
        ilo.logins.every((l) => l.ok && l.via === (generation === 'ilo4' ? 'http' : 'raw')),
        JSON.stringify(ilo.logins),
      );
      const wrong = await hpiloCli(ilo, 'not-the-password', 'get_host_power_status');
      assert.equal(wrong.ok, false);
      assert.match(wrong.out, /hpilo\.IloLoginFailed: Login failed\./);
    }));
}

test('dploy on an iLO 4 (HTTP POST /ribcl): status, PXE once, power on verified after the delay, cycle, off', () =>
  withIlo({ generation: 'ilo4', powerDelayMs: 300 }, async (ilo, bmc) => {
    const control = new PowerControl({ ribcl: createRibclDriver() }, POLICY);
    assert.equal(await control.status(bmc), 'off');
    const out = await control.bootFromNetwork(bmc, 'bios');
    assert.equal(out.message, 'next boot set to PXE once (bios); was off, so powered on instead of cycle');
    assert.equal(ilo.oneTimeBoot(), 'NETWORK');
    assert.equal(ilo.power(), 'ON');
    const cycle = await control.power(bmc, 'cycle');
    assert.deepEqual([cycle.sent, cycle.state], ['cycle', 'on']);
    assert.deepEqual((await control.power(bmc, 'on')).sent, 'none');
    assert.equal((await control.power(bmc, 'off')).state, 'off');
    assert.equal(ilo.power(), 'OFF');
    assert.deepEqual(ilo.commands, ['SET_ONE_TIME_BOOT NETWORK', 'SET_HOST_POWER Yes', 'COLD_BOOT_SERVER', 'HOLD_PWR_BTN']);
    assert.ok(ilo.logins.every((l) => l.ok && l.via === 'http'));
    // One document per connection, a login in each.
    assert.equal(ilo.connections, ilo.logins.length);
  }));

test('dploy on an iLO 2 (raw XML on TLS): the 404 to HTTP is learned once, the multi-document answer read', () =>
  withIlo({ generation: 'ilo2', initialPower: 'ON' }, async (ilo, bmc) => {
    const driver = createRibclDriver();
    assert.equal(await driver.status(bmc, 3000), 'on');
    await driver.act(bmc, 'reset', 3000);
    assert.equal(await driver.status(bmc, 3000), 'on');
    assert.deepEqual(ilo.commands, ['RESET_SERVER']);
    assert.equal(ilo.logins.length, 3);
    assert.ok(ilo.logins.every((l) => l.ok && l.via === 'raw'));
    // Three requests, one HTTP probe answered 404 on the first only.
    assert.equal(ilo.connections, 4);
  }));

test('wrong password: an auth error, not retried, the password nowhere in it', () =>
  withIlo({ generation: 'ilo4' }, async (ilo, bmc) => {
    const control = new PowerControl({ ribcl: createRibclDriver() }, POLICY);
    await assert.rejects(control.power({ ...bmc, password: 'wrong-pass-123' }, 'on'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DPLOY_ERR_BMC_AUTH');
      assert.equal(err.message, 'iLO 127.0.0.1: login refused: wrong user or password (iLO 0x005F: Login failed.)');
      return true;
    });
    assert.deepEqual(ilo.logins, [{ ok: false, via: 'http' }]);
    assert.deepEqual(ilo.commands, []);
  }));

test("a password with & < ' goes verbatim (iLO decodes no XML escapes); one with a double quote is refused before any connection", async () => {
  await withIlo({ generation: 'ilo4', password: `p&ss<w'rd` }, async (ilo, bmc) => {
    assert.equal(await createRibclDriver().status(bmc, 3000), 'off');
    assert.deepEqual(ilo.logins, [{ ok: true, via: 'http' }]);
  });
  await withIlo({ generation: 'ilo4' }, async (ilo, bmc) => {
    await assert.rejects(
      createRibclDriver().status({ ...bmc, password: 'a"><SET_HOST_POWER HOST_POWER="Yes"/>' }, 3000),
      (err: Error & { code?: string }) => err.code === 'DPLOY_ERR_INVALID_INPUT' && !err.message.includes('SET_HOST_POWER'),
    );
    assert.equal(ilo.connections, 0);
  });
});

test('a TLS 1.0-only iLO is refused unless that BMC is marked ?tls=1.0, then it works', () =>
  withIlo({ generation: 'ilo2', tls10Only: true }, async (ilo, bmc) => {
    const driver = createRibclDriver();
    await assert.rejects(driver.status(bmc, 3000), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DPLOY_ERR_BMC_UNSUPPORTED');
      assert.match(err.message, /speaks only an old TLS version .*adding \?tls=1\.0 to its address/);
      return true;
    });
    assert.equal(ilo.logins.length, 0);
    const marked = { ...bmc, tls: { ...bmc.tls, legacyTls10: true } };
    assert.equal(await driver.status(marked, 3000), 'off');
    await new PowerControl({ ribcl: driver }, POLICY).power(marked, 'on');
    assert.equal(ilo.power(), 'ON');
  }));

test('the iLO certificate: unknown refused naming its SHA-256, the pinned one accepted, another refused as changed, ?insecure accepted', () =>
  withIlo({ generation: 'ilo4' }, async (ilo, bmc) => {
    const driver = createRibclDriver();
    const { tls: _pinned, ...unpinned } = bmc;
    await assert.rejects(driver.status(unpinned, 3000), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DPLOY_ERR_BMC_CERTIFICATE');
      assert.ok(err.message.includes(`dploy hosts accept-cert HOST --fingerprint ${ilo.certSha256}`), err.message);
      return true;
    });
    assert.equal(ilo.logins.length, 0, 'no LOGIN (password) sent to an unverified peer');
    assert.equal(await driver.status(bmc, 3000), 'off');
    const other = '00:'.repeat(31) + '00';
    await assert.rejects(
      driver.status({ ...bmc, tls: { pinnedSha256: other } }, 3000),
      (err: Error & { code?: string }) =>
        err.code === 'DPLOY_ERR_BMC_CERTIFICATE' &&
        err.message.includes(
          `certificate changed; if the new one is right (check its SHA-256 on the BMC), pin it: dploy hosts accept-cert HOST --fingerprint ${ilo.certSha256} (pinned was ${other};`,
        ),
    );
    assert.equal(await driver.status({ ...unpinned, tls: { insecure: true } }, 3000), 'off');
    assert.equal(ilo.logins.length, 2);
  }));

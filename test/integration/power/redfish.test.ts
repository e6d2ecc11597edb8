// The Redfish driver against the test double of test/support/redfish-double.ts,
// which Debian's real python3-sushy drives first in the same file: the double
// is only trusted because a real client accepts it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { createRedfishDriver } from '../../../plugin/power/redfish/redfish-driver.js';
import { PowerControl, type BmcTarget } from '../../../plugin/power/index.js';
import { startRedfishDouble, type DoubleOptions, type RedfishDouble } from '../../support/redfish-double.js';

const SUSHY_DRIVE = fileURLToPath(new URL('../../fixtures/redfish/sushy-drive.py', import.meta.url));
const POLICY = { callBudgetMs: 3000, retryWaitsMs: [200, 400], verifyWaitsMs: [200, 400, 800, 1600], minIntervalMs: 50 };

async function withDouble(o: DoubleOptions, body: (d: RedfishDouble, bmc: BmcTarget) => Promise<void>): Promise<void> {
  const d = await startRedfishDouble(o);
  try {
    // The double's certificate pinned, as `dploy hosts accept-cert` does.
    await body(d, { driver: 'redfish', address: '127.0.0.1', port: d.port, user: d.user, password: d.password, tls: { pinnedSha256: d.certSha256 } });
  } finally {
    await d.stop();
  }
}

test("the double is faithful enough for Debian's real sushy: boot override with If-Match, reset On, PowerState polled", () =>
  withDouble({ requireIfMatch: true, powerDelayMs: 300 }, async (d) => {
    // Debian's own python3 with a clean environment: a CA bundle variable would override sushy's verify=.
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [SUSHY_DRIVE, String(d.port), d.user, d.password, d.certPath], {
      env: { PATH: '/usr/bin:/bin' },
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout) as { power_before: string; power_after: string; boot: string[] };
    assert.equal(seen.power_before, 'PowerState.OFF');
    assert.equal(seen.power_after, 'PowerState.ON');
    assert.deepEqual(seen.boot, ['BootSource.PXE', 'BootSourceOverrideEnabled.ONCE', 'BootSourceOverrideMode.UEFI']);
    assert.ok(d.requests.includes('PATCH /redfish/v1/Systems/437XR1138R2'));
  }));

test('dploy: status, PXE once (UEFI) with If-Match, power on verified, cycle, off', () =>
  withDouble({ requireIfMatch: true, powerDelayMs: 300 }, async (d, bmc) => {
    const control = new PowerControl({ redfish: createRedfishDriver() }, POLICY);
    assert.equal(await control.status(bmc), 'off');
    const out = await control.bootFromNetwork(bmc, 'uefi');
    assert.equal(out.message, 'next boot set to PXE once (uefi); was off, so powered on instead of cycle');
    assert.deepEqual(d.boot(), { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe', BootSourceOverrideMode: 'UEFI' });
    assert.equal(d.power(), 'On');
    assert.equal((await control.power(bmc, 'cycle')).state, 'on');
    assert.ok(d.requests.filter((r) => r.startsWith('POST')).length === 2);
    assert.equal((await control.power(bmc, 'off')).state, 'off');
  }));

test('one kept-open connection per BMC: a verified power-on is one TLS handshake; a dropped one is replaced; another pin never reuses it', () =>
  withDouble({ powerDelayMs: 300 }, async (d, bmc) => {
    const driver = createRedfishDriver();
    assert.equal((await new PowerControl({ redfish: driver }, POLICY).power(bmc, 'on')).state, 'on');
    assert.ok(d.requests.length >= 5, d.requests.join('\n'));
    assert.equal(d.connections, 1, `${d.requests.length} requests over one connection`);
    // The BMC closes it (idle timeout, web server restarted): the next request opens and judges a new one.
    d.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await driver.status(bmc, 3000), 'on');
    assert.equal(d.connections, 2);
    // The same BMC under another pin gets a connection of its own, judged again: refused, nothing sent on it.
    const before = d.requests.length;
    const otherPin = Array(32).fill('AB').join(':');
    await assert.rejects(driver.status({ ...bmc, tls: { pinnedSha256: otherPin } }, 3000), { code: 'DPLOY_ERR_BMC_CERTIFICATE' });
    assert.equal(d.connections, 3);
    assert.equal(d.requests.length, before);
  }));

test('the BMC closes the kept-open connection as a request goes out: a GET or PATCH is sent once more on a new one; a reset (POST) is not, PowerControl retries it, applied once', () =>
  withDouble({ powerDelayMs: 300 }, async (d, bmc) => {
    const driver = createRedfishDriver();
    assert.equal(await driver.status(bmc, 3000), 'off');
    assert.equal(d.connections, 1);
    // A read: resent on a new connection, the caller sees only the answer.
    d.dropNextReused('GET');
    assert.equal(await driver.status(bmc, 3000), 'off');
    assert.equal(d.dropped.length, 1);
    assert.match(d.dropped[0]!, /^GET /);
    assert.equal(d.connections, 2);
    // The override: resent (the BMC read nothing of it), set once.
    d.dropNextReused('PATCH');
    await driver.pxeOnce(bmc, 'bios', 3000);
    assert.deepEqual(d.dropped.slice(1), ['PATCH /redfish/v1/Systems/437XR1138R2']);
    assert.equal(d.requests.filter((r) => r.startsWith('PATCH')).length, 1);
    assert.deepEqual(d.boot(), { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe', BootSourceOverrideMode: 'Legacy' });
    // A reset: the transport cannot tell a BMC that read it from one that did not, so it does not send it again.
    d.dropNextReused('POST');
    await assert.rejects(driver.act(bmc, 'on', 3000), { code: 'DPLOY_ERR_BMC_UNREACHABLE' });
    assert.equal(d.resets.length, 0);
    assert.equal(d.power(), 'Off');
    // Through PowerControl: unreachable is retryable, so after its wait the action (GET, POST) goes again and applies.
    d.dropNextReused('POST');
    const out = await new PowerControl({ redfish: driver }, POLICY).power(bmc, 'on');
    assert.equal(out.state, 'on');
    assert.deepEqual(
      d.resets.map((r) => r.type),
      ['On'],
    );
    assert.equal(d.dropped.filter((r) => r.startsWith('POST')).length, 2);
    assert.equal(d.overlaps, 0);
  }));

test('a BMC that accepts the override and drops it is caught by the re-read', () =>
  withDouble({ revertOverride: true }, async (_d, bmc) => {
    await assert.rejects(createRedfishDriver().pxeOnce(bmc, 'bios', 3000), /accepted the one-time PXE boot but reads back None\/Disabled/);
  }));

test('wrong password: auth error, not retried; unreachable: fails within its budget; busy (503) then fine', () =>
  withDouble({ busyFirst: 2 }, async (d, bmc) => {
    const control = new PowerControl({ redfish: createRedfishDriver() }, POLICY);
    await assert.rejects(
      control.status({ ...bmc, password: 'nope-123' }),
      (err: Error & { code?: string }) => err.code === 'DPLOY_ERR_BMC_AUTH' && !err.message.includes('nope-123'),
    );
    // The 401 above came before the busy answers; the next two requests get 503, then the retry goes through.
    assert.equal(await control.status(bmc), 'off');
    assert.ok(d.requests.length >= 5, d.requests.join('\n'));
    const t0 = Date.now();
    await assert.rejects(createRedfishDriver().status({ ...bmc, port: 9 }, 2000), { code: 'DPLOY_ERR_BMC_UNREACHABLE' });
    assert.ok(Date.now() - t0 < 5000);
  }));

test('TLS is verified: a self-signed BMC is refused naming its SHA-256 before any credentials go out, accepted once pinned, refused when its certificate changes', async () => {
  let firstSha256 = '';
  await withDouble({}, async (d, bmc) => {
    firstSha256 = d.certSha256;
    const driver = createRedfishDriver();
    const { tls: _pin, ...unpinned } = bmc;
    await assert.rejects(driver.status(unpinned, 3000), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DPLOY_ERR_BMC_CERTIFICATE');
      assert.equal(
        err.message,
        `Redfish 127.0.0.1: untrusted TLS certificate; check its SHA-256 on the BMC, then pin it: dploy hosts accept-cert HOST --fingerprint ${d.certSha256} (DEPTH_ZERO_SELF_SIGNED_CERT; a lab BMC may be marked ?insecure instead)`,
      );
      return true;
    });
    assert.deepEqual(d.requests, [], 'not one HTTP request (Basic auth) to an unverified peer');
    assert.equal(await driver.status(bmc, 3000), 'off');
    // A lab BMC marked insecure is not checked at all.
    assert.equal(await createRedfishDriver().status({ ...unpinned, tls: { insecure: true } }, 3000), 'off');
  });
  // A new BMC certificate (a reset BMC, or someone in the middle) against the old pin.
  await withDouble({}, async (d, bmc) => {
    assert.notEqual(d.certSha256, firstSha256);
    await assert.rejects(
      createRedfishDriver().status({ ...bmc, tls: { pinnedSha256: firstSha256 } }, 3000),
      (err: Error & { code?: string }) =>
        err.code === 'DPLOY_ERR_BMC_CERTIFICATE' && err.message.includes(`--fingerprint ${d.certSha256} (pinned was ${firstSha256};`),
    );
    assert.deepEqual(d.requests, []);
  });
});

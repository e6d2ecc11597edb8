// Low (issue 20): the BMC address of `dploy hosts add --bmc` was free text:
// "10.0.0.5; reboot", a newline or shell characters were stored as given, to
// be shown to operators and copied into commands. Every BMC address now goes
// through the one check of plugin/model/bmc-host.ts (also the host part of
// `hosts set --bmc ipmi://…`); a bad one is refused with the reason, and
// nothing is written. No other input sets it: inventories carry no BMC, and
// the API has no host write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { openTestStore } from '../../support/databases.js';
import { addHost, listHosts, upsertHost } from '../../../plugin/store/hosts.js';
import { isDployError } from '../../../plugin/errors.js';
import { parseBmcAddress } from '../../../plugin/power/bmc-address.js';

const ATTACKS = [
  '10.0.0.5; reboot',
  '10.0.0.5\nreboot',
  'bmc 01',
  '$(id)',
  '`id`',
  'bmc01|sh',
  'bmc01&',
  'bmc01>x',
  "bmc'01",
  'bmc01\u202e',
  '10.0.0.256',
  '[10.0.0.5]',
  'ipmi://admin@10.0.0.5',
  '',
];

test('dploy hosts add --bmc refuses an address with ";" and says why; nothing is added', { timeout: 60_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-bmc-'));
  const refused = await runDploy(['hosts', 'add', '--mac', '52:54:00:20:05:01', '--name', 'web01', '--bmc', '10.0.0.5; reboot'], { cwd });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^dploy: BMC address: "10\.0\.0\.5; reboot" is not a host name or IP address .*no spaces, ";", newlines/m);
  const listed = await runDploy(['hosts', 'list', '--json'], { cwd });
  assert.deepEqual(JSON.parse(listed.stdout), [], 'the machine was not added');
  const added = await runDploy(['hosts', 'add', '--mac', '52:54:00:20:05:01', '--name', 'web01', '--bmc', 'bmc-web01.example.net'], { cwd });
  assert.equal(added.code, 0, added.stderr);
});

test('every way a BMC address reaches the store refuses shell and control characters', { timeout: 60_000 }, async () => {
  const { store, dispose } = await openTestStore('sqlite');
  try {
    const db = store.db.manager;
    for (const [i, bmcAddress] of ATTACKS.entries()) {
      const mac = `52:54:00:20:06:${i.toString(16).padStart(2, '0')}`;
      for (const write of [() => addHost(db, { name: `h${i}`, macs: [mac], bmcAddress }), () => upsertHost(db, { name: `h${i}`, macs: [mac], bmcAddress })]) {
        const err = await write().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(isDployError(err, 'DPLOY_ERR_INVALID_INPUT') && /^BMC address: /.test(err.message), `${JSON.stringify(bmcAddress)}: ${String(err)}`);
      }
      assert.throws(() => parseBmcAddress(`ipmi://admin@${bmcAddress}`), /BMC address/, `hosts set --bmc ipmi://admin@${JSON.stringify(bmcAddress)}`);
    }
    assert.deepEqual(await listHosts(db), [], 'nothing written');
    for (const [i, good] of ['10.0.0.5', 'bmc01', 'bmc-01.example.net', 'fd00::5', '[fd00::5]'].entries()) {
      await addHost(db, { name: `ok${i}`, macs: [`52:54:00:20:07:0${i}`], bmcAddress: good });
    }
    assert.equal((await listHosts(db)).length, 5);
  } finally {
    await dispose();
  }
});

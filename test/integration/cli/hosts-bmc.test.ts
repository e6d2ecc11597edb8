// `dploy hosts set --bmc` as an operator types it: the password comes from a
// file or the environment, is sealed in the database, and is never printed.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runDploy } from '../../support/cli.js';

const PASSWORD = 'bmc-pass-7f3a';

async function hostDir(): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-cli-bmc-'));
  const added = await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  assert.equal(added.code, 0, added.stderr);
  return cwd;
}

test('hosts set --bmc with a password file: show says "password set", the database holds it sealed', async () => {
  const cwd = await hostDir();
  writeFileSync(join(cwd, 'bmc.pw'), `${PASSWORD}\n`, { mode: 0o600 });
  const set = await runDploy(['hosts', 'set', 'web01', '--bmc', 'ipmi://oper@127.0.0.1:16623', '--bmc-password-file', 'bmc.pw'], { cwd });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'host web01: BMC ipmi://oper@127.0.0.1:16623 (password set)\n');

  const shown = await runDploy(['hosts', 'show', 'web01'], { cwd });
  assert.match(shown.stdout, /^BMC power:\s+ipmi:\/\/oper@127\.0\.0\.1:16623 \(password set\)$/m);
  const json = await runDploy(['hosts', 'show', 'web01', '--json'], { cwd });
  for (const out of [set.stdout, shown.stdout, json.stdout, set.stderr]) assert.doesNotMatch(out, new RegExp(PASSWORD));

  // The standalone default database (database.url's default).
  const dbFile = join(cwd, 'var/dploy.sqlite');
  const row = new Database(dbFile, { readonly: true }).prepare('SELECT * FROM dploy_host_bmcs').get() as Record<string, unknown>;
  assert.equal(row.bmc_user, 'oper');
  assert.match(String(row.password_sealed), /^gcm1:/);
  assert.doesNotMatch(readFileSync(dbFile).toString('latin1'), new RegExp(PASSWORD), 'not in clear anywhere in the file');
});

test('the password can come from DPLOY_BMC_PASSWORD; without any source the command refuses', async () => {
  const cwd = await hostDir();
  const viaEnv = await runDploy(['hosts', 'set', 'web01', '--bmc', 'ipmi://admin@bmc-web01.example.net'], { cwd, env: { DPLOY_BMC_PASSWORD: PASSWORD } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(viaEnv.stdout, 'host web01: BMC ipmi://admin@bmc-web01.example.net (password set)\n');
  const none = await runDploy(['hosts', 'set', 'web01', '--bmc', 'ipmi://admin@10.0.0.5'], { cwd });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--bmc-password-file FILE or the DPLOY_BMC_PASSWORD environment variable/);
  const removed = await runDploy(['hosts', 'set', 'web01', '--remove-bmc'], { cwd });
  assert.equal(removed.stdout, 'host web01: BMC removed\n');
});

test('BMC addresses are validated strictly: no ";", newline, password in the URL, unknown driver or bad port', async () => {
  const cwd = await hostDir();
  const cases: Array<[string, RegExp]> = [
    ['ipmi://admin@10.0.0.5;reboot', /not of the form driver:\/\/user@host\[:port\]/],
    ['ipmi://admin@10.0.0.5\n-H evil', /not of the form/],
    ['ipmi://admin:secret@10.0.0.5', /a password does not belong in the address/],
    ['telnet://admin@10.0.0.5', /unknown driver "telnet"/],
    ['ipmi://admin@10.0.0.5:70000', /port 70000 out of range/],
    ['ipmi://admin@-H', /is not a host name or IP address/],
    ['ipmi://admin@999.1.1.1', /is not a host name or IP address/],
  ];
  for (const [address, message] of cases) {
    const r = await runDploy(['hosts', 'set', 'web01', '--bmc', address], { cwd, env: { DPLOY_BMC_PASSWORD: PASSWORD } });
    assert.equal(r.code, 1, address);
    assert.match(r.stderr, message, address);
  }
});

test('an iLO marked ?tls=1.0, its certificate pinned with hosts accept-cert; a malformed fingerprint, an IPMI BMC and a double quote in an iLO password are refused', async () => {
  const cwd = await hostDir();
  const set = await runDploy(['hosts', 'set', 'web01', '--bmc', 'ribcl://Administrator@10.0.0.7?tls=1.0'], { cwd, env: { DPLOY_BMC_PASSWORD: PASSWORD } });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'host web01: BMC ribcl://Administrator@10.0.0.7?tls=1.0 (password set)\n');
  const sha256 = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
  const bad = await runDploy(['hosts', 'accept-cert', 'web01', '--fingerprint', 'AB:CD'], { cwd });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--fingerprint: expected 32 colon-separated hex bytes/);
  const pinned = await runDploy(['hosts', 'accept-cert', 'web01', '--fingerprint', sha256.toLowerCase()], { cwd });
  assert.equal(pinned.code, 0, pinned.stderr);
  assert.equal(pinned.stdout, `host web01: BMC certificate pinned, SHA-256 ${sha256}; any other certificate is now refused\n`);
  const shown = await runDploy(['hosts', 'show', 'web01'], { cwd });
  assert.match(
    shown.stdout,
    new RegExp(`^BMC power:\\s+ribcl://Administrator@10\\.0\\.0\\.7\\?tls=1\\.0 \\(password set; certificate pinned, SHA-256 ${sha256}\\)$`, 'm'),
  );

  const quote = await runDploy(['hosts', 'set', 'web01', '--bmc', 'ribcl://Administrator@10.0.0.7'], { cwd, env: { DPLOY_BMC_PASSWORD: 'pa"ss' } });
  assert.equal(quote.code, 1);
  assert.match(quote.stderr, /holds a double quote or a control character, which RIBCL cannot carry/);
  await runDploy(['hosts', 'set', 'web01', '--bmc', 'ipmi://oper@10.0.0.5'], { cwd, env: { DPLOY_BMC_PASSWORD: PASSWORD } });
  const ipmi = await runDploy(['hosts', 'accept-cert', 'web01', '--fingerprint', sha256], { cwd });
  assert.equal(ipmi.code, 1);
  assert.match(ipmi.stderr, /host web01 has no TLS BMC \(redfish or ribcl\)/);
});

test('groups set --bmc-driver/--bmc-user: a member with a BMC address and no credentials uses them; show names the group; its own BMC wins', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-cli-bmc-'));
  const added = await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:57', '--name', 'web02', '--bmc', '10.0.0.12'], { cwd });
  assert.equal(added.code, 0, added.stderr);
  for (const args of [
    ['groups', 'create', 'rack12'],
    ['groups', 'add', 'rack12', 'web02'],
  ]) {
    const r = await runDploy(args, { cwd });
    assert.equal(r.code, 0, r.stderr);
  }
  const before = await runDploy(['hosts', 'show', 'web02'], { cwd });
  assert.match(before.stdout, /^BMC power:\s+none/m, 'an address alone is not a way in');

  const refused = await runDploy(['groups', 'set', 'rack12', '--bmc-driver', 'redfish', '--bmc-user', 'admin'], { cwd });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--bmc-driver needs the BMC password from --bmc-password-file FILE or the DPLOY_BMC_PASSWORD/);
  const badDriver = await runDploy(['groups', 'set', 'rack12', '--bmc-driver', 'telnet', '--bmc-user', 'admin'], {
    cwd,
    env: { DPLOY_BMC_PASSWORD: PASSWORD },
  });
  assert.match(badDriver.stderr, /unknown driver "telnet"/);

  const set = await runDploy(['groups', 'set', 'rack12', '--bmc-driver', 'redfish', '--bmc-user', 'admin', '--bmc-options', 'insecure'], {
    cwd,
    env: { DPLOY_BMC_PASSWORD: PASSWORD },
  });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'group rack12: BMC defaults driver redfish, user admin, options insecure (password set)\n');
  const group = await runDploy(['groups', 'show', 'rack12'], { cwd });
  assert.match(group.stdout, /^BMC defaults: driver redfish, user admin, options insecure \(password set\)$/m);

  const shown = await runDploy(['hosts', 'show', 'web02'], { cwd });
  assert.match(
    shown.stdout,
    /^BMC power:\s+redfish:\/\/admin@10\.0\.0\.12\?insecure \(password set\); address 10\.0\.0\.12 \(the host's BMC address\), driver redfish \(group rack12\), user admin \(group rack12\), password \(group rack12\)$/m,
  );
  const json = await runDploy(['hosts', 'show', 'web02', '--json'], { cwd });
  for (const out of [set.stdout, group.stdout, shown.stdout, json.stdout, set.stderr]) assert.doesNotMatch(out, new RegExp(PASSWORD));
  const dbFile = join(cwd, 'var/dploy.sqlite');
  const row = new Database(dbFile, { readonly: true }).prepare('SELECT * FROM dploy_group_bmcs').get() as Record<string, unknown>;
  assert.match(String(row.password_sealed), /^gcm1:/);
  assert.doesNotMatch(readFileSync(dbFile).toString('latin1'), new RegExp(PASSWORD), 'not in clear anywhere in the file');

  const own = await runDploy(['hosts', 'set', 'web02', '--bmc', 'ipmi://oper@10.0.0.13'], { cwd, env: { DPLOY_BMC_PASSWORD: 'other-pass' } });
  assert.equal(own.code, 0, own.stderr);
  assert.match((await runDploy(['hosts', 'show', 'web02'], { cwd })).stdout, /^BMC power:\s+ipmi:\/\/oper@10\.0\.0\.13 \(password set\)$/m);
  const removed = await runDploy(['groups', 'set', 'rack12', '--remove-bmc'], { cwd });
  assert.equal(removed.stdout, 'group rack12: BMC defaults removed\n');
});

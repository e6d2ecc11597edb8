import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'dploy-cli-'));

test('hosts add then hosts list shows the machine, also from a new process (it is on disk)', async () => {
  const cwd = freshDir();
  const added = await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /added host web01 \(id 1\)/);

  const listed = await runDploy(['hosts', 'list'], { cwd });
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n');
  assert.match(lines[0]!, /^ID\s+NAME\s+MACS\s+SERIAL\s+BOOT\s+STATUS$/);
  assert.match(lines[1]!, /^1\s+web01\s+52:54:00:12:34:56\s+-\s+localboot\s+-$/);

  const json = await runDploy(['hosts', 'list', '--json'], { cwd });
  const hosts = JSON.parse(json.stdout) as Array<{ name: string; macs: string[] }>;
  assert.deepEqual(
    hosts.map((h) => [h.name, h.macs]),
    [['web01', ['52:54:00:12:34:56']]],
  );
});

test('hosts show finds a machine by name, id or MAC in any spelling', async () => {
  const cwd = freshDir();
  await runDploy(['hosts', 'add', '--mac', '52:54:00:AA:BB:01', '52-54-00-aa-bb-02', '--name', 'db01', '--bmc', '10.9.8.7'], { cwd });
  for (const ref of ['db01', '1', '52:54:00:aa:bb:02', '525400AABB01']) {
    const shown = await runDploy(['hosts', 'show', ref, '--json'], { cwd });
    assert.equal(shown.code, 0, `${ref}: ${shown.stderr}`);
    const host = JSON.parse(shown.stdout) as { name: string; macs: string[]; bmcAddress: string };
    assert.equal(host.name, 'db01');
    assert.deepEqual(host.macs, ['52:54:00:aa:bb:01', '52:54:00:aa:bb:02']);
    assert.equal(host.bmcAddress, '10.9.8.7');
  }
});

test('a MAC or name already taken, a bad MAC and a bad name are refused with the reason, exit 1', async () => {
  const cwd = freshDir();
  await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  const cases: Array<[string[], RegExp]> = [
    [['--mac', '52:54:00:12:34:56', '--name', 'web02'], /MAC 52:54:00:12:34:56 already belongs to host web01 \(id 1\)/],
    [['--mac', '52:54:00:12:34:57', '--name', 'WEB01'], /a host named web01 already exists/],
    [['--mac', 'zz:54:00:12:34:57', '--name', 'web03'], /"zz:54:00:12:34:57" is not a usable NIC MAC address/],
    [['--mac', 'ff:ff:ff:ff:ff:ff', '--name', 'web03'], /is not a usable NIC MAC address/],
    [['--mac', '52:54:00:12:34:58', '--name', 'web_03;drop'], /host name "web_03;drop" has an invalid label/],
  ];
  for (const [args, message] of cases) {
    const result = await runDploy(['hosts', 'add', ...args], { cwd });
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  const listed = await runDploy(['hosts', 'list', '--json'], { cwd });
  assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1, 'nothing half-written');
});

test('hosts forget removes the machine so that discovery starts again', async () => {
  const cwd = freshDir();
  await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  const forgotten = await runDploy(['hosts', 'forget', 'web01'], { cwd });
  assert.equal(forgotten.code, 0, forgotten.stderr);
  assert.match(forgotten.stdout, /forgot host web01/);
  const again = await runDploy(['hosts', 'forget', 'web01'], { cwd });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no host "web01"/);
  const readded = await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  assert.equal(readded.code, 0, 'the MAC is free again');
});

test('a bad configuration exits 2 naming the key; an unknown command exits 2', async () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, 'dploy.yaml'), 'http:\n  port: abc\nbogus: 1\n');
  const bad = await runDploy(['hosts', 'list'], { cwd });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /http\.port \(from .*dploy\.yaml\): expected number, got "abc"/);
  assert.match(bad.stderr, /bogus: unknown key/);

  const envBad = await runDploy(['hosts', 'list'], { cwd: freshDir(), env: { DPLOY_HTTP_PORT: 'abc' } });
  assert.equal(envBad.code, 2);
  assert.match(envBad.stderr, /http\.port \(from DPLOY_HTTP_PORT\)/);

  const unknown = await runDploy(['frobnicate'], { cwd });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('a database that is down gives one clear line, not a stack trace', async () => {
  const cwd = freshDir();
  const down = await runDploy(['hosts', 'list'], { cwd, env: { DPLOY_DATABASE_URL: 'mysql://root@127.0.0.1:1/dploy' } });
  assert.equal(down.code, 1);
  assert.equal(
    down.stderr,
    'dploy: cannot open database mysql://root@127.0.0.1:1/dploy: connection refused: is the database server running and listening there?\n',
  );
  const pgDown = await runDploy(['migrate', '--database', 'postgres://postgres:secret@127.0.0.1:1/dploy'], { cwd });
  assert.equal(pgDown.code, 1);
  assert.match(pgDown.stderr, /cannot open database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/dploy: connection refused/);
  assert.doesNotMatch(pgDown.stderr, /secret/, 'password never printed');
});

test('version and --help answer without touching a database', async () => {
  const cwd = freshDir();
  const version = await runDploy(['version'], { cwd, env: { DPLOY_DATABASE_URL: 'mysql://root@127.0.0.1:1/x' } });
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^dploy \d+\.\d+\.\d+\n$/);
  const help = await runDploy(['--help'], { cwd });
  assert.equal(help.code, 0);
  for (const command of ['migrate', 'serve', 'hosts', 'token', 'version']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
});

// The operator's path through the real `dploy` command and a real sshd:
// give SSH access (secret from a file, never printed), set a command task,
// let `dploy runner --once` run it, read the output in `dploy jobs show`, and
// accept a machine's new host key after a reinstall.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { startSshd, type TestSshd } from '../../support/sshd.js';

let sshd: TestSshd;
before(async () => {
  sshd = await startSshd();
});
after(async () => {
  await sshd?.stop();
});

test('dploy hosts ssh, task set … command --run, runner --once, jobs show, hosts keys and accept-key', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-cli-'));
  const dploy = async (...args: string[]) => {
    const r = await runDploy(args, { cwd });
    assert.equal(r.code, 0, `dploy ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await dploy('hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01');
  writeFileSync(join(cwd, 'pw'), `${sshd.password}\n`);
  const saved = await dploy(
    'hosts',
    'ssh',
    'web01',
    '--address',
    '127.0.0.1',
    '--port',
    String(sshd.port),
    '--user',
    sshd.user,
    '--password-file',
    join(cwd, 'pw'),
  );
  assert.equal(saved, `SSH access saved for web01 (${sshd.user}@127.0.0.1:${sshd.port}, password (set))\n`);
  assert.match(await dploy('hosts', 'show', 'web01'), new RegExp(`SSH:\\s+${sshd.user}@127\\.0\\.0\\.1:${sshd.port}, password \\(set\\)\\n`));
  const database = readFileSync(join(cwd, 'var', 'dploy.sqlite'));
  assert.ok(!database.includes(sshd.password), 'password stored in clear');

  const runOnce = async (line: string) => {
    await dploy('task', 'set', 'web01', 'command', '--run', line);
    await dploy('runner', '--once');
    return JSON.parse(await dploy('jobs', 'list', '--json')) as Array<{ id: number; state: string; message: string }>;
  };
  const [ok] = await runOnce('uname -s');
  assert.equal(ok!.state, 'done');
  const shown = await dploy('jobs', 'show', String(ok!.id));
  assert.match(shown, /output 1\/1:\n {20,}Linux\n/, 'the output keeps its lines, under the message column');
  assert.ok(!shown.includes(sshd.password));
  const keys = await dploy('hosts', 'keys');
  assert.match(keys, new RegExp(`127\\.0\\.0\\.1:${sshd.port}\\s+${sshd.hostFingerprint().replace(/[+/]/g, '\\$&')}`));

  await sshd.changeHostKey();
  const [refused] = await runOnce('uname -s');
  assert.equal(refused!.state, 'failed');
  assert.match(refused!.message, /host key changed; if the machine was reinstalled: dploy hosts accept-key 127\.0\.0\.1:\d+/);
  assert.equal(await dploy('hosts', 'accept-key', 'web01'), `127.0.0.1:${sshd.port}: host key ${sshd.hostFingerprint()} accepted\n`);
  const [again] = await runOnce('uname -s');
  assert.equal(again!.state, 'done');
});

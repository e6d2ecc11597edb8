// plugin/remote against a real OpenSSH sshd on loopback (test/support/sshd.ts):
// every way of logging in, host keys pinned on first use, a deadline that
// really kills the remote process, and 50 MB of output kept within its cap.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { isDployError } from '../../../plugin/errors.js';
import { memoryPins } from '../../../plugin/remote/host-key-trust.js';
import { commandFailure, runCommand, type CommandOptions } from '../../../plugin/remote/ssh-command.js';
import type { SshAuth, SshTarget } from '../../../plugin/remote/ssh-target.js';
import { startSshd, type TestSshd } from '../../support/sshd.js';

let sshd: TestSshd;
before(async () => {
  sshd = await startSshd();
});
after(async () => {
  await sshd?.stop();
});

const target = (auth: SshAuth): SshTarget => ({ address: '127.0.0.1', port: sshd.port, user: sshd.user, auth });
const options = (o: Partial<CommandOptions> = {}): CommandOptions => ({ pins: memoryPins(), deadlineMs: 10_000, capBytes: 64 * 1024, ...o });

describe('SSH logins against a real sshd', () => {
  test('a password login runs the command and returns its output and exit status 0', async () => {
    const r = await runCommand(target({ password: sshd.password }), 'id -un; echo to-stderr >&2', options());
    assert.equal(r.exitCode, 0);
    assert.match(r.output.text, new RegExp(`^${sshd.user}\\n`));
    assert.match(r.output.text, /to-stderr/);
  });

  test('a wrong password is refused as an authentication error, not retried', async () => {
    await assert.rejects(
      runCommand(target({ password: 'not-it' }), 'true', options()),
      (err) => isDployError(err, 'DPLOY_ERR_SSH_AUTH') && !err.retryable && /login refused/.test(err.message),
    );
  });

  for (const type of ['ed25519', 'rsa'] as const) {
    test(`an ${type} key logs in`, async () => {
      const r = await runCommand(target({ privateKey: sshd.key(type) }), 'echo key-ok', options());
      assert.equal(r.output.text, 'key-ok\n');
    });
  }

  test('a passphrase-protected key logs in with the right passphrase', async () => {
    const r = await runCommand(target({ privateKey: sshd.key('ed25519', 'open sesame'), passphrase: 'open sesame' }), 'echo pp-ok', options());
    assert.equal(r.output.text, 'pp-ok\n');
  });

  test('a wrong or missing passphrase is reported before connecting, in words', async () => {
    const key = sshd.key('ed25519', 'open sesame');
    await assert.rejects(
      runCommand(target({ privateKey: key, passphrase: 'nope' }), 'true', options()),
      (err) => isDployError(err, 'DPLOY_ERR_SSH_KEY') && /wrong passphrase/.test(err.message),
    );
    await assert.rejects(
      runCommand(target({ privateKey: key }), 'true', options()),
      (err) => isDployError(err, 'DPLOY_ERR_SSH_KEY') && /protected by a passphrase and none is stored/.test(err.message),
    );
  });

  test('nothing listening is a retryable connection error', async () => {
    const t = { ...target({ password: 'x' }), port: 1 };
    await assert.rejects(runCommand(t, 'true', options()), (err) => isDployError(err, 'DPLOY_ERR_SSH_CONNECTION') && err.retryable);
  });
});

describe('host keys pinned on first use', () => {
  test('the first key is pinned in OpenSSH form, a changed key is refused, an accepted one works again', async () => {
    const pins = memoryPins();
    const endpoint = `127.0.0.1:${sshd.port}`;
    let told: string | undefined;
    await runCommand(
      target({ password: sshd.password }),
      'true',
      options({
        pins,
        onFirstUse: (f) => {
          told = f;
        },
      }),
    );
    assert.equal(pins.all.get(endpoint), sshd.hostFingerprint());
    assert.equal(told, sshd.hostFingerprint());

    await sshd.changeHostKey();
    await assert.rejects(
      runCommand(target({ password: sshd.password }), 'touch /tmp/should-not-run', options({ pins })),
      (err) =>
        isDployError(err, 'DPLOY_ERR_SSH_HOST_KEY') &&
        err.message.includes(sshd.hostFingerprint()) &&
        err.message.includes(`dploy hosts accept-key 127.0.0.1:${sshd.port}`),
    );

    // What accept-key does: replace the pin with the key the machine shows now.
    pins.all.set(endpoint, sshd.hostFingerprint());
    const r = await runCommand(target({ password: sshd.password }), 'echo accepted', options({ pins }));
    assert.equal(r.output.text, 'accepted\n');
  });
});

describe('deadlines, output and exit status', () => {
  test('a command past its deadline is killed on the machine, not only abandoned', async () => {
    const marker = `sleep ${3000 + Math.floor(Math.random() * 1000)}`;
    const started = Date.now();
    const r = await runCommand(target({ password: sshd.password }), `echo begun; ${marker}; echo never`, options({ deadlineMs: 1500 }));
    assert.ok(Date.now() - started < 6000, `returned after ${Date.now() - started} ms`);
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.equal(r.output.text, 'begun\n');
    const failure = commandFailure('t', r, 1500);
    assert.ok(isDployError(failure, 'DPLOY_ERR_SSH_TIMEOUT'));
    await new Promise((res) => setTimeout(res, 300));
    let left = '';
    try {
      left = execFileSync('pgrep', ['-u', sshd.user, '-f', marker], { encoding: 'utf8' });
    } catch {
      /* exit 1: no process */
    }
    assert.equal(left, '', `remote process still running: ${left}`);
  });

  test('50 MB of output is kept within the cap, head and tail, with the dropped size said', async () => {
    const streamed = { bytes: 0 };
    const r = await runCommand(
      target({ password: sshd.password }),
      'echo FIRST-LINE; head -c 52428800 /dev/zero | tr "\\0" x; echo; echo LAST-LINE',
      options({
        capBytes: 64 * 1024,
        onOutput: (c) => {
          streamed.bytes += c.length;
        },
      }),
    );
    assert.equal(r.exitCode, 0);
    assert.equal(r.output.totalBytes, 52428800 + 'FIRST-LINE\n\nLAST-LINE\n'.length);
    assert.equal(streamed.bytes, r.output.totalBytes);
    assert.equal(r.output.droppedBytes, r.output.totalBytes - 64 * 1024);
    assert.ok(r.output.text.startsWith('FIRST-LINE\n'));
    assert.ok(r.output.text.endsWith('LAST-LINE\n'));
    assert.match(r.output.text, new RegExp(`${r.output.droppedBytes} bytes of output dropped`));
    assert.ok(r.output.text.length < 64 * 1024 + 200);
  });

  test('a non-zero exit status is reported with its number', async () => {
    const r = await runCommand(target({ password: sshd.password }), 'echo failing >&2; exit 3', options());
    assert.equal(r.exitCode, 3);
    const failure = commandFailure('root@m1:22', r, 10_000);
    assert.ok(isDployError(failure, 'DPLOY_ERR_SSH_EXIT_STATUS'));
    assert.equal(failure.message, 'root@m1:22: command exited with status 3');
  });
});

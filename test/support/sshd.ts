// A real OpenSSH sshd for tests: its own host key, on 127.0.0.1 at a free
// port, and a test user created for the run and removed after it. Needs root
// (useradd, sshd's privilege separation) and openssh-server (.ci/packages.txt).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface TestSshd {
  port: number;
  /** Every port it listens on: `port` first, then one per extra "machine" asked for. */
  ports: number[];
  user: string;
  password: string;
  dir: string;
  /** A key made with ssh-keygen and authorised for the user; `passphrase` set when protected. */
  key(type: 'ed25519' | 'rsa', passphrase?: string): string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it. */
  hostFingerprint(): string;
  /** Restart on the same port with a freshly generated host key (a reinstalled machine). */
  changeHostKey(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${ms} ms`);
}

/**
 * `machines` > 1: one sshd on that many ports, each port a machine with its own pinned endpoint.
 * `root`: root may log in too, by a key from key() only (an image capture reads every file as root does).
 * `path`: the PATH of every session (sshd's SetEnv): a tool a test installs for the "machine" alone comes first.
 */
export async function startSshd(machines = 1, o: { root?: boolean; path?: string } = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-sshd-'));
  chmodSync(dir, 0o755);
  const ports: number[] = [];
  while (ports.length < machines) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const port = ports[0]!;
  const user = `dploy${randomBytes(3).toString('hex')}`;
  const password = randomBytes(9).toString('base64url');
  execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', user]);
  execFileSync('chpasswd', { input: `${user}:${password}\n` });
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, '');
  const config = join(dir, 'sshd_config');
  const hostKey = join(dir, 'host_key');
  execFileSync('mkdir', ['-p', '/run/sshd']);
  const newHostKey = () => {
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  };
  newHostKey();
  writeFileSync(
    config,
    [
      ...ports.map((p) => `Port ${p}`),
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      `AllowUsers ${user}${o.root ? ' root' : ''}`,
      `PermitRootLogin ${o.root ? 'prohibit-password' : 'no'}`,
      'LogLevel ERROR',
      ...(o.path ? [`SetEnv PATH=${o.path}`] : []),
      '',
    ].join('\n'),
  );
  execFileSync('/usr/sbin/sshd', ['-t', '-f', config]);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (const p of ports) await waitForPort(p, 5000);
  };
  const halt = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    ports,
    user,
    password,
    dir,
    key(type, passphrase) {
      const file = join(dir, `id_${type}_${randomBytes(3).toString('hex')}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase ?? '', '-f', file]);
      writeFileSync(authorized, readFileSync(`${file}.pub`, 'utf8'), { flag: 'a' });
      return readFileSync(file, 'utf8');
    },
    hostFingerprint: () => execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!,
    async changeHostKey() {
      await halt();
      newHostKey();
      await start();
    },
    async stop() {
      await halt();
      // The user's leftover processes (a test that failed before killing one) would block userdel.
      try {
        execFileSync('pkill', ['-KILL', '-u', user]);
      } catch {
        /* none left */
      }
      execFileSync('userdel', ['--remove', user], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

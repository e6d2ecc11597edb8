// A MariaDB server of the test's own: its own datadir (mariadb-install-db),
// socket and TCP port under a temp dir, so a test may kill and restart it
// without touching the shared server other tests use. Settings are small
// (64 MiB buffer pool) so it starts in about a second; durability is the
// default (a commit is on disk when acknowledged), as in production.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './serve.js';

export interface PrivateMariadb {
  port: number;
  /** mysql://root@127.0.0.1:port/dploy */
  url: string;
  /** SIGKILL, as a crash or an OOM kill: no clean shutdown. */
  kill(): Promise<void>;
  /** Starts it again on the same datadir and port (crash recovery runs); resolves when it accepts connections. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MARIADBD = '/usr/sbin/mariadbd';

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-mariadb-'));
  const datadir = join(dir, 'data');
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], {
    stdio: 'ignore',
  });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const start = async () => {
    child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${join(dir, 'mysqld.sock')}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=16M',
        '--max-connections=300',
        `--log-error=${join(dir, 'error.log')}`,
      ],
      { stdio: 'ignore' },
    );
    const running = child;
    exited = new Promise((resolve) => running.once('exit', resolve));
    for (let tries = 0; ; tries++) {
      try {
        const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
        await connection.query('CREATE DATABASE IF NOT EXISTS dploy CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
        await connection.end();
        return;
      } catch (err) {
        if (running.exitCode !== null || tries > 300)
          throw new Error(`the private mariadbd did not start (see ${join(dir, 'error.log')}): ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const signal = async (name: NodeJS.Signals) => {
    if (child && child.exitCode === null) child.kill(name);
    await exited;
  };
  await start();
  return {
    port,
    url: `mysql://root@127.0.0.1:${port}/dploy`,
    start,
    kill: () => signal('SIGKILL'),
    stop: async () => {
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

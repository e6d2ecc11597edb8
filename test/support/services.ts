// The real database servers the integration tests use. When one is down the
// tests start it (as root, the way this machine's image does) or fail with
// the exact command to run: a missing service is never a silent skip.

import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

export const MARIADB = { host: '127.0.0.1', port: 3306, url: 'mysql://root@127.0.0.1:3306' };
export const POSTGRES = { host: '127.0.0.1', port: 5432, url: 'postgres://postgres@127.0.0.1:5432' };

const START: Record<'mariadb' | 'postgres', string> = {
  mariadb: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
};

const ready = new Map<string, Promise<void>>();

export function ensureService(name: 'mariadb' | 'postgres'): Promise<void> {
  let promise = ready.get(name);
  if (!promise) {
    promise = bringUp(name);
    ready.set(name, promise);
  }
  return promise;
}

async function bringUp(name: 'mariadb' | 'postgres'): Promise<void> {
  const { host, port } = name === 'mariadb' ? MARIADB : POSTGRES;
  if (await listening(host, port)) return;
  if (process.getuid?.() !== 0) throw new Error(`${name} is not listening on ${host}:${port}; start it with: ${START[name]}`);
  execFileSync('sh', ['-c', START[name]], { stdio: 'inherit' });
  for (let i = 0; i < 60; i++) {
    if (await listening(host, port)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} did not come up on ${host}:${port} within 30 s after: ${START[name]}`);
}

export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

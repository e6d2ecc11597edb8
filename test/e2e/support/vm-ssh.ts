// SSH into a VM booted by bootFromDisk (qemu's user network, sshd forwarded to
// 127.0.0.1:port) as root with a test key: the VM's host key changes with every
// image, so it is neither checked nor remembered.

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { logTails } from './boot-watch.js';

/** Runs `command` as root; `input` is its stdin (a script for `sh -s`). Rejects with ssh's stderr when it fails. */
export function ssh(port: number, key: string, command: string, o: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const args = ['-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];
  args.push('-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', command);
  return new Promise((resolve, reject) => {
    const child = execFile('ssh', args, { timeout: o.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`ssh ${command}: ${String(err)}\n${stderr}`)) : resolve(stdout),
    );
    // ssh may end before reading its stdin (sshd not up yet): its exit status is the error, not the broken pipe.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(o.input ?? '');
  });
}

/** Runs `command` once sshd answers: a VM boots under emulation (TCG) for a minute or so. */
export async function sshWhenUp(port: number, key: string, command: string, timeoutMs: number, serialLog: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await ssh(port, key, command);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the VM's sshd did not answer within ${timeoutMs / 1000} s: ${String(err)}\n${logTails({ serialLog })}`);
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

/** A TCP port free on 127.0.0.1 now, for qemu's hostfwd. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

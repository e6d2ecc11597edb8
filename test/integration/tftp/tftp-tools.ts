// The real TFTP programs the TFTP tests and the storm benchmark drive: the
// tftp-hpa and atftp clients and Debian's tftpd-hpa. A missing one fails with
// the apt-get command that installs it, never a silent skip.

import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';

export function requireTool(command: string, debianPackage: string): void {
  const found = command.startsWith('/') ? existsSync(command) : whichSucceeds(command);
  if (!found) throw new Error(`${command} is missing: apt-get install -y ${debianPackage}`);
}

function whichSucceeds(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client with a hard time limit so a hung transfer fails the test instead of hanging it. */
export function run(command: string, args: string[], limitMs = 120_000, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (input !== undefined) child.stdin!.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface AtftpGet {
  port: number;
  remote: string;
  local: string;
  /** Each one "name value", e.g. "blksize 1468". */
  options?: string[];
  host?: string;
  limitMs?: number;
}

/** atftp exits non-zero when the server sent an ERROR or the transfer failed. */
export function atftpGet(get: AtftpGet): Promise<RunResult> {
  const args = ['--get', '-r', get.remote, '-l', get.local];
  for (const option of get.options ?? []) args.push('--option', option);
  args.push(get.host ?? '127.0.0.1', String(get.port));
  return run('atftp', args, get.limitMs);
}

/**
 * tftp-hpa's client speaks plain RFC 1350 (no blksize/tsize commands) and
 * exits 0 even on an ERROR, so its output is returned for the caller to read.
 */
export function tftpHpaGet(port: number, remote: string, local: string, mode: 'octet' | 'netascii' = 'octet'): Promise<RunResult> {
  return run('tftp', ['-v', '127.0.0.1', String(port), '-m', mode, '-c', 'get', remote, local]);
}

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** tftpd-hpa in the foreground (-L) on loopback, serving `root` (it chroots there). */
export async function startTftpdHpa(root: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  requireTool('/usr/sbin/in.tftpd', 'tftpd-hpa');
  const child = spawn('/usr/sbin/in.tftpd', ['-L', '-s', root, '-a', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`in.tftpd exited with ${code}`))));
  exited.catch(() => undefined);
  await Promise.race([new Promise((resolve) => setTimeout(resolve, 300)), exited]);
  return { child, port };
}

const FORGE_UDP = `import socket, struct, sys
port, payload = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.sendto(struct.pack('!HHHH', 0, port, 8 + len(payload), 0) + payload, ('127.0.0.1', 0))`;

/**
 * Sends a UDP datagram with source port 0 to 127.0.0.1:port through a raw
 * socket (python3, as root): what node:dgram cannot send, a hostile host can.
 */
export function sendFromPortZero(port: number, payload: Buffer): void {
  requireTool('python3', 'python3');
  if (process.getuid?.() !== 0) throw new Error('forging a UDP source port needs a raw socket: run the TFTP tests as root');
  execFileSync('python3', ['-c', FORGE_UDP, String(port), payload.toString('hex')]);
}

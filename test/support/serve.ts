// Starts the real `dploy serve` process on a free port and waits until its
// /healthz answers (whatever the log level).

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DPLOY_BIN, cleanEnv } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startServe(options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ServeProcess> {
  const port = await freePort();
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under a benchmark (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, DPLOY_BIN, 'serve'], {
    cwd: options.cwd,
    env: { ...cleanEnv(), DPLOY_HTTP_ADDRESS: '127.0.0.1', DPLOY_TFTP_ENABLED: 'false', ...options.env, DPLOY_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`dploy serve exited with ${exitCode} before listening:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200 || response.status === 503) {
        await response.arrayBuffer();
        return {
          child,
          url,
          output: () => output,
          stop: (signal = 'SIGTERM') => {
            if (exitCode === undefined) child.kill(signal);
            return exited;
          },
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`dploy serve did not answer /healthz within ${options.timeoutMs ?? 60_000} ms:\n${output}`);
}

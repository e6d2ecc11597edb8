// The HTTP side of the http-boot benchmark (test/bench/http-boot.bench.ts):
// Debian's nginx started on loopback with its own temporary config, curl as
// the clients (one process per keep-alive client, or one with --parallel for
// the 50-client storm). Server CPU comes from process-cpu.ts.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Nginx {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx as a site runs it in front of PXE: sendfile on, a worker per core, the same two trees
 * under the same URL paths as dploy (/boot/files/ the TFTP root, /mirror/ the mirror).
 */
export async function startNginx(dir: string, port: number, trees: { bootFiles: string; mirror: string }): Promise<Nginx> {
  const temp = join(dir, 'nginx-temp');
  // nginx started as root serves as "nobody": the trees must be readable by anyone on the way down.
  for (let d = trees.bootFiles; d.startsWith(dir) && d !== dir; d = dirname(d)) chmodSync(d, 0o755);
  for (let d = trees.mirror; d.startsWith(dir) && d !== dir; d = dirname(d)) chmodSync(d, 0o755);
  chmodSync(dir, 0o755);
  const config = join(dir, 'nginx.conf');
  writeFileSync(
    config,
    `worker_processes auto;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log ${join(dir, 'nginx-access.log')};
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp}; uwsgi_temp_path ${temp}; scgi_temp_path ${temp};
  server {
    listen 127.0.0.1:${port};
    location /boot/files/ { alias ${trees.bootFiles}/; }
    location /mirror/ { alias ${trees.mirror}/; }
  }
}
`,
  );
  const child = spawn('/usr/sbin/nginx', ['-c', config, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    try {
      await (await fetch(`${url}/boot/files/`)).arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    child,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

export interface ClientRun {
  seconds: number;
  requests: number;
  bytes: number;
  /** Answers that were not 200 or came short. */
  failed: number;
}

/** One curl process fetching `urls` in turn over one kept-alive connection (or `parallel` at once); each answer must be 200 with `sizes[i]` bytes. */
function curlRun(dir: string, name: string, urls: string[], sizes: number[], parallel = 0): Promise<Omit<ClientRun, 'seconds'>> {
  const config = join(dir, `${name}.curl`);
  const lines = ['noproxy = "*"', 'write-out = "%{http_code} %{size_download}\\n"'];
  for (const url of urls) lines.push(`url = "${url}"`, 'output = "/dev/null"');
  writeFileSync(config, lines.join('\n') + '\n');
  const args = [
    '--silent',
    '--no-progress-meter',
    ...(parallel > 0 ? ['--parallel', '--parallel-immediate', '--parallel-max', String(parallel)] : []),
    '-K',
    config,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', () => {
      const answers = out.trim().split('\n').filter(Boolean);
      // With --parallel the answers come in completion order: sizes are checked as a multiset.
      const expected = [...sizes].sort((a, b) => a - b);
      const got = answers.map((line) => line.split(' ')).sort((a, b) => Number(a[1]) - Number(b[1]));
      let failed = urls.length - answers.length;
      let bytes = 0;
      got.forEach(([status, size], i) => {
        bytes += Number(size);
        if (status !== '200' || Number(size) !== expected[i]) failed++;
      });
      resolve({ requests: answers.length, bytes, failed });
    });
  });
}

/** `clients` curl processes splitting `urls` between them; wall time from the first start to the last end. */
export async function fetchAll(dir: string, urls: string[], sizes: number[], clients: number, parallel = 0): Promise<ClientRun> {
  const started = performance.now();
  const shares = Array.from({ length: clients }, (_, c) => urls.map((url, i) => [url, sizes[i]!] as const).filter((_, i) => i % clients === c));
  const runs = await Promise.all(
    shares.map((share, c) =>
      curlRun(
        dir,
        `client-${c}`,
        share.map(([url]) => url),
        share.map(([, size]) => size),
        parallel,
      ),
    ),
  );
  return {
    seconds: (performance.now() - started) / 1000,
    requests: runs.reduce((n, r) => n + r.requests, 0),
    bytes: runs.reduce((n, r) => n + r.bytes, 0),
    failed: runs.reduce((n, r) => n + r.failed, 0),
  };
}

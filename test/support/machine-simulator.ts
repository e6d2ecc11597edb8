// A network-booting machine, played over the real protocols: it asks dploy's
// TFTP server for its per-MAC pxelinux config with the tftp-hpa client, reads
// the kernel command line like mindi or d-i would, posts a real lshw document,
// fetches its answer file and posts installer callbacks over HTTP.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class SimulatedMachine {
  constructor(
    readonly mac: string,
    private readonly tftpPort: number,
    private readonly workDir: string,
  ) {}

  /** What pxelinux loads for this machine: the first file of its lookup order dploy answers. */
  pxelinuxConfig(): string {
    const text = this.tftpGet(`pxelinux.cfg/01-${this.mac.replace(/:/g, '-')}`);
    if (text === undefined) throw new Error(`no pxelinux config for ${this.mac}`);
    return text;
  }

  tftpGet(path: string): string | undefined {
    const out = this.tftpOut();
    const run = spawnSync('tftp', this.tftpArgs(path, out), { encoding: 'utf8', timeout: 20_000 });
    return this.tftpResult(run.stdout + run.stderr, out);
  }

  /** The same without blocking this process: for a dploy served from the test's own process. */
  tftpFetch(path: string): Promise<string | undefined> {
    return this.tftpFetchAs(path, (out) => readFileSync(out, 'utf8'));
  }

  /** A kernel or initrd, as pxelinux loads it: the bytes received, or undefined when refused. */
  tftpFetchBytes(path: string): Promise<number | undefined> {
    return this.tftpFetchAs(path, (out) => statSync(out).size);
  }

  private tftpFetchAs<T>(path: string, read: (out: string) => T): Promise<T | undefined> {
    const out = this.tftpOut();
    return new Promise((resolve) =>
      execFile('tftp', this.tftpArgs(path, out), { encoding: 'utf8', timeout: 20_000 }, (_err, stdout, stderr) =>
        resolve(this.tftpResult(stdout + stderr, out, read)),
      ),
    );
  }

  private tftpOut(): string {
    return join(this.workDir, `tftp-${this.mac.replace(/:/g, '')}-${process.hrtime.bigint()}`);
  }

  private tftpArgs(path: string, out: string): string[] {
    return ['127.0.0.1', String(this.tftpPort), '-m', 'octet', '-c', 'get', path, out];
  }

  private tftpResult<T = string>(said: string, out: string, read: (out: string) => T = (o) => readFileSync(o, 'utf8') as T): T | undefined {
    if (/Error code|timed out/.test(said) || !existsSync(out)) return undefined;
    const got = read(out);
    rmSync(out);
    return got;
  }

  /** The kernel arguments of the entry pxelinux would boot (APPEND of its DEFAULT label). */
  kernelArgs(config = this.pxelinuxConfig()): Record<string, string> {
    const append = /^\s*APPEND (.*)$/m.exec(config)?.[1] ?? '';
    return Object.fromEntries(
      append
        .split(/\s+/)
        .filter((w) => w.includes('='))
        .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
    );
  }

  async postInventory(url: string, token: string, lshwXml: string): Promise<Record<string, string>> {
    const response = await fetch(`${url}/agent/v1/inventory`, {
      method: 'POST',
      body: lshwXml,
      headers: { 'content-type': 'application/xml', 'x-dploy-token': token, accept: 'text/plain' },
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`inventory refused: ${response.status} ${text}`);
    return Object.fromEntries(
      text
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  async installerEvent(eventsUrl: string, token: string, event: string, message: string): Promise<string> {
    const response = await fetch(eventsUrl, {
      method: 'POST',
      body: JSON.stringify({ token, event, message }),
      headers: { 'content-type': 'application/json' },
    });
    const body = (await response.json()) as { outcome: string };
    if (response.status !== 200) throw new Error(`event ${event} refused: ${response.status}`);
    return body.outcome;
  }
}

// dploy set up as a site would: its own working directory and SQLite store,
// machines registered with `dploy hosts add`, discovered (a real lshw document
// posted with the discovery token), an install profile and task, and the
// DHCP files `dploy dhcp export` writes for dnsmasq.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { SERVER_ADDRESS, type LabNetwork } from './lab-network.js';

export const HTTP_PORT = 8080;
export const BASE_URL = `http://${SERVER_ADDRESS}:${HTTP_PORT}`;
const LSHW = new URL('../../fixtures/lshw/qemu-seabios-pc.xml', import.meta.url);
const PROFILE = new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url).pathname;

/** What every dploy command of the site runs with: dploy's own servers inside the namespace. */
export function siteEnv(tftpRoot: string): Record<string, string> {
  return {
    DPLOY_HTTP_ADDRESS: SERVER_ADDRESS,
    DPLOY_HTTP_PORT: String(HTTP_PORT),
    DPLOY_HTTP_BASE_URL: BASE_URL,
    DPLOY_TFTP_ENABLED: 'true',
    DPLOY_TFTP_ADDRESS: SERVER_ADDRESS,
    DPLOY_TFTP_PORT: '69', // firmware PXE clients only ask port 69
    DPLOY_TFTP_ROOT: tftpRoot,
    DPLOY_RUNNER_ENABLED: 'false', // the test moves jobs with `dploy runner --once`
    DPLOY_BOOT_MENU_TIMEOUT_SECONDS: '1',
  };
}

export class DploySite {
  constructor(
    readonly cwd: string,
    private readonly env: Record<string, string>,
  ) {}

  async dploy(...args: string[]): Promise<string> {
    const run = await runDploy(args, { cwd: this.cwd, env: this.env });
    assert.equal(run.code, 0, `dploy ${args.join(' ')} failed:\n${run.stderr}`);
    return run.stdout;
  }

  /**
   * hosts add, then a discovery job whose token posts the machine's lshw document (its disks feed the
   * preseed). `macs` in the machine's PCI order, the fixture's two NICs; the operator lists them in that order.
   */
  async registerAndDiscover(lab: LabNetwork, name: string, macs: [string, string]): Promise<void> {
    const [first, second] = macs;
    await this.dploy('hosts', 'add', '--mac', first, '--mac', second, '--name', name);
    await this.dploy('task', 'set', name, 'discover');
    await this.dploy('runner', '--once');
    const entry = await this.dploy('render', name, 'boot');
    const token = /dploy\.token=(\S+)/.exec(entry)?.[1];
    assert.ok(token, `no discovery token in:\n${entry}`);
    // One fixture for both machines: its MACs, serial and UUID made this machine's own.
    const lshw = readFileSync(LSHW, 'utf8')
      .split('52:54:00:d0:00:01')
      .join(first)
      .split('52:54:00:d0:00:02')
      .join(second)
      .split('DPLOY-FIX-0001')
      .join(`E2E-${name}`)
      .split('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a01')
      .join(`6f1c2a9e-3b4d-4e5f-8a7b-${first.replace(/:/g, '')}`);
    const file = join(this.cwd, `${name}.lshw.xml`);
    writeFileSync(file, lshw);
    // The HTTP server listens only inside the namespace: post from there, as the machine would.
    const answer = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        lab.ns,
        'curl',
        '-sS',
        '--fail-with-body',
        '-H',
        `x-dploy-token: ${token}`,
        '-H',
        'content-type: application/xml',
        '-H',
        'accept: text/plain',
        '--data-binary',
        `@${file}`,
        `${BASE_URL}/agent/v1/inventory`,
      ],
      { encoding: 'utf8' },
    );
    assert.match(answer, /action=/, `inventory post answered:\n${answer}`);
    await this.dploy('runner', '--once');
  }

  /** The install task on the shipped Debian 12 profile; returns the job id the runner opened. */
  async setInstall(name: string): Promise<number> {
    await this.dploy('task', 'set', name, 'install', '--profile', 'debian-12-web');
    await this.dploy('runner', '--once');
    const jobs = JSON.parse(await this.dploy('jobs', 'list', '--json')) as Array<{
      id: number;
      kind: string;
      state: string;
      hostName?: string;
      hostId: number;
    }>;
    const host = JSON.parse(await this.dploy('hosts', 'show', name, '--json')) as { id: number; bootState: string };
    assert.match(host.bootState, /^install/, `${name} is not set to install: ${host.bootState}`);
    const job = jobs.find((j) => j.hostId === host.id && j.kind === 'install' && j.state === 'booting');
    assert.ok(job, `no booting install job for ${name}: ${JSON.stringify(jobs)}`);
    return job.id;
  }

  async addProfile(): Promise<void> {
    await this.dploy('profiles', 'add', PROFILE);
  }

  /** The job as `jobs show --json` prints it (bootMac: the NIC its boot entry was served to). */
  async job(id: number): Promise<{ bootMac?: string }> {
    return JSON.parse(await this.dploy('jobs', 'show', String(id), '--json')) as { bootMac?: string };
  }

  async jobEvents(id: number): Promise<Array<{ fromState?: string; toState: string; actor: string; message?: string }>> {
    return (
      JSON.parse(await this.dploy('jobs', 'show', String(id), '--json')) as {
        events: Array<{ fromState?: string; toState: string; actor: string; message?: string }>;
      }
    ).events;
  }

  /** The files a site's dnsmasq includes (docs/dhcp.md), exactly as dploy exports them. */
  async writeDhcpFiles(dir: string): Promise<{ hosts: string; boot: string }> {
    const hosts = join(dir, 'dnsmasq-hosts');
    const boot = join(dir, 'dnsmasq-boot.conf');
    writeFileSync(hosts, await this.dploy('dhcp', 'export', '--server', 'dnsmasq'));
    writeFileSync(boot, await this.dploy('dhcp', 'export', '--server', 'dnsmasq', '--boot'));
    return { hosts, boot };
  }
}

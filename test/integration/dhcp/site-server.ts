// Starts a real DHCP server inside the test's server namespace, configured
// from the shipped example in pxe/dhcp/ (the lines docs/dhcp.md tells admins
// to add), with dploy's files in a temporary directory instead of
// /var/lib/dploy/dhcp and the veth end instead of eth0.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DHCP_TOOLS } from './debian-tools.js';
import type { NetnsPair } from './netns-pair.js';

export interface RunningServer {
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

const EXAMPLES = new URL('../../../pxe/dhcp/', import.meta.url);

interface Launch {
  example: string;
  argv(conf: string, dir: string, ifname: string): string[];
  env?(dir: string): Record<string, string>;
  ready: RegExp;
}

const LAUNCH: Record<'isc' | 'kea' | 'dnsmasq', Launch> = {
  isc: {
    example: 'isc/dhcpd.conf.example',
    argv: (conf, dir, ifname) => [DHCP_TOOLS.isc.path, '-4', '-f', '-d', '-cf', conf, '-lf', join(dir, 'dhcpd.leases'), '-pf', join(dir, 'dhcpd.pid'), ifname],
    ready: /Server starting service/,
  },
  kea: {
    example: 'kea/kea-dhcp4.conf.example',
    argv: (conf) => [DHCP_TOOLS.kea.path, '-c', conf],
    // Kea keeps its PID and lock files in /run/kea unless told otherwise.
    env: (dir) => ({ KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir }),
    ready: /DHCP4_STARTED/,
  },
  dnsmasq: {
    example: 'dnsmasq/dploy.conf.example',
    // port=0: no DNS; no-ping: offer pool addresses at once instead of probing them for 3 s.
    argv: (conf, dir) => [
      DHCP_TOOLS.dnsmasq.path,
      '--no-daemon',
      '--port=0',
      '--bind-interfaces',
      '--no-ping',
      '--log-dhcp',
      `--dhcp-leasefile=${join(dir, 'leases')}`,
      `--conf-file=${conf}`,
    ],
    ready: /DHCP, IP range/,
  },
};

export async function siteConfig(server: keyof typeof LAUNCH, dir: string, ifname: string): Promise<string> {
  const example = await readFile(new URL(LAUNCH[server].example, EXAMPLES), 'utf8');
  return example.replaceAll('/var/lib/dploy/dhcp/', `${dir}/`).replaceAll('eth0', ifname);
}

function waitForReady(child: ChildProcess, ready: RegExp, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after 10 s:\n${output()}`)), 10_000);
    const check = (): void => {
      if (!ready.test(output())) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output()}`));
    });
  });
}

export async function startSiteServer(server: keyof typeof LAUNCH, pair: NetnsPair, dir: string): Promise<RunningServer> {
  const launch = LAUNCH[server];
  const conf = join(dir, 'site.conf');
  await writeFile(conf, await siteConfig(server, dir, pair.serverIf));
  if (server === 'isc') await writeFile(join(dir, 'dhcpd.leases'), '');
  // `ip netns exec` execs the server in place, so child.pid is the server's own pid.
  const child = spawn(DHCP_TOOLS.ip.path, ['netns', 'exec', pair.server, ...launch.argv(conf, dir, pair.serverIf)], {
    env: { ...process.env, ...launch.env?.(dir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningServer = {
    pid: child.pid ?? -1,
    output: () => text,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitForReady(child, launch.ready, running.output);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

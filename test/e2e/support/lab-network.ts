// The e2e test's own network: one namespace holding a bridge with dploy's
// address (192.0.2.1/24, TEST-NET-1, RFC 5737) and a tap for the VM. The
// servers and qemu run inside it (`ip netns exec`), each in its own process
// group so close() can stop exactly what this lab started. Nothing is routed
// out of the namespace; deleting it removes bridge and tap.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export const SERVER_ADDRESS = '192.0.2.1';
/** Documentation prefix (RFC 3849), announced only inside the namespace. */
export const SERVER_ADDRESS_V6 = '2001:db8:0:2::1';

export interface LabProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

export class LabNetwork {
  readonly ns = `dploy-e2e-${process.pid}`;
  private readonly processes: LabProcess[] = [];
  private created = false;

  create(): void {
    this.remove();
    this.created = true;
    const ip = (...args: string[]) => execFileSync('ip', ['-n', this.ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('ip', ['netns', 'add', this.ns], { stdio: ['ignore', 'ignore', 'pipe'] });
    ip('link', 'set', 'lo', 'up');
    // forward_delay 0, no STP: the firmware's first DHCPDISCOVER must not be dropped while the port learns.
    ip('link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
    ip('addr', 'add', `${SERVER_ADDRESS}/24`, 'dev', 'br0');
    // An IPv6 prefix for dnsmasq's router advertisements (ra-only: no IPv6 addresses handed out).
    // nodad: usable at once, so dnsmasq announces it from the first second.
    ip('addr', 'add', `${SERVER_ADDRESS_V6}/64`, 'dev', 'br0', 'nodad');
    ip('link', 'set', 'br0', 'up');
    // One tap per machine (labTap), so the machines boot at the same time.
    for (const tap of ['tap0', 'tap1']) {
      ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
      ip('link', 'set', tap, 'master', 'br0');
      ip('link', 'set', tap, 'up');
    }
  }

  /** Runs a command inside the namespace in its own process group, output to logFile. */
  start(name: string, command: string[], logFile: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LabProcess {
    const fd = openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', this.ns, ...command], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = { name, child, logFile, exited };
    this.processes.push(started);
    return started;
  }

  /** Is something listening inside the namespace on this TCP or UDP port? */
  listening(protocol: 'tcp' | 'udp', port: number): boolean {
    const out = execFileSync('ip', ['netns', 'exec', this.ns, 'ss', '-Hln', protocol === 'tcp' ? '-t' : '-u'], { encoding: 'utf8' });
    return out.split('\n').some((line) => new RegExp(`:${port}\\s`).test(line));
  }

  async stop(started: LabProcess): Promise<void> {
    if (started.child.exitCode !== null || started.child.signalCode !== null) return;
    signalGroup(started.child, 'SIGTERM');
    const killed = setTimeout(() => signalGroup(started.child, 'SIGKILL'), 3_000);
    await started.exited;
    clearTimeout(killed);
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.stop(p)));
    this.remove();
  }

  private remove(): void {
    try {
      execFileSync('ip', ['netns', 'del', this.ns], { stdio: 'ignore' });
    } catch {
      if (this.created) throw new Error(`could not delete network namespace ${this.ns}: run ip netns del ${this.ns}`);
    }
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

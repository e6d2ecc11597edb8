// OpenIPMI's real ipmi_sim as a BMC on 127.0.0.1 (never 0.0.0.0): a lan.conf
// with one admin and one operator user, and a chassis_control script playing
// "the machine": it records every command it saw, and power comes on only
// after a delay (off is at once, as a pulled plug), so ipmi_sim's own cycle
// (set power 0, get power, set power 1) works and verification has to wait.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SIM_USERS = { admin: 'sim-admin-secret', oper: 'sim-oper-secret' } as const;

export interface IpmiSim {
  port: number;
  dir: string;
  /** Commands the machine saw, e.g. ["set boot pxe", "set power 1"]. */
  seen(): Promise<string[]>;
  power(): Promise<'on' | 'off'>;
  /** The BMC stops answering (SIGSTOP) for ms, as a BMC rebooting its own firmware does. */
  freeze(ms: number): void;
  stop(): Promise<void>;
}

const CHASSIS = `#!/bin/sh
# Called by ipmi_sim as: <script> <dev> get power boot | <script> <dev> set power 0|1 | set reset 1 | set boot pxe
d="$(dirname "$0")"
dev="$1"; verb="$2"; shift 2
case "$verb" in
get)
  for k in "$@"; do
    case "$k" in
      power) echo "power:$(cat "$d/power")" ;;
      boot) echo "boot:$(cat "$d/boot")" ;;
    esac
  done ;;
set)
  while [ $# -gt 1 ]; do
    echo "set $1 $2" >> "$d/seen"
    case "$1" in
      power) if [ "$2" = 0 ]; then echo 0 > "$d/power"; else (sleep "$(cat "$d/delay")"; echo 1 > "$d/power") & fi ;;
      boot) echo "$2" > "$d/boot" ;;
    esac
    shift 2
  done ;;
esac
`;

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

export async function startIpmiSim(opts: { powerOnDelayS?: number; initialPower?: 'on' | 'off' } = {}): Promise<IpmiSim> {
  const dir = await mkdtemp(join(tmpdir(), 'dploy-ipmi-sim-'));
  const port = await freeUdpPort();
  await mkdir(join(dir, 'state'));
  await writeFile(join(dir, 'power'), opts.initialPower === 'on' ? '1\n' : '0\n');
  await writeFile(join(dir, 'boot'), 'default\n');
  await writeFile(join(dir, 'delay'), `${opts.powerOnDelayS ?? 1}\n`);
  await writeFile(join(dir, 'seen'), '');
  await writeFile(join(dir, 'chassis.sh'), CHASSIS);
  await chmod(join(dir, 'chassis.sh'), 0o755);
  await writeFile(
    join(dir, 'lan.conf'),
    [
      'name "dploy-test"',
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr 127.0.0.1 ${port}`,
      '    priv_limit admin',
      '    allowed_auths_callback none md2 md5 straight',
      '    allowed_auths_user none md2 md5 straight',
      '    allowed_auths_operator none md2 md5 straight',
      '    allowed_auths_admin none md2 md5 straight',
      '    guid a123456789abcdefa123456789abcdef',
      '  endlan',
      `  chassis_control "${join(dir, 'chassis.sh')} 0x20"`,
      `  user 2 true "admin" "${SIM_USERS.admin}" admin 10 none md2 md5 straight`,
      `  user 3 true "oper" "${SIM_USERS.oper}" operator 10 none md2 md5 straight`,
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n');
  const child: ChildProcess = spawn('/usr/bin/ipmi_sim', ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'emu'), '-n', '-s', join(dir, 'state')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    output += b.toString();
  });
  await waitListening(port, child, () => output).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    port,
    dir,
    seen: async () => (await readFile(join(dir, 'seen'), 'utf8')).split('\n').filter(Boolean),
    power: async () => ((await readFile(join(dir, 'power'), 'utf8')).trim() === '1' ? 'on' : 'off'),
    freeze(ms) {
      child.kill('SIGSTOP');
      setTimeout(() => child.kill('SIGCONT'), ms).unref();
    },
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** ipmi_sim prints nothing when ready; the bound UDP port in /proc/net/udp is the proof. */
async function waitListening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`ipmi_sim exited ${child.exitCode}: ${output()}`);
    const udp = await readFile('/proc/net/udp', 'utf8');
    if (udp.split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ipmi_sim did not bind 127.0.0.1:${port}: ${output()}`);
}

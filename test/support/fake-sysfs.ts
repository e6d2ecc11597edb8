// A machine's NICs as agent-scripts/dploy-nics reads them, for a test: a
// /sys/class/net tree (a `device` entry makes a NIC physical) and a kernel
// command line, passed to the scripts as DPLOY_SYS and DPLOY_CMDLINE.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeNic {
  name: string;
  mac: string;
  physical: boolean;
}

export interface FakeMachine {
  dir: string;
  /** DPLOY_SYS and DPLOY_CMDLINE for the scripts. */
  env: { DPLOY_SYS: string; DPLOY_CMDLINE: string };
}

/** A server's NICs: two onboard, one add-in card, and a bridge (virtual). */
export const SERVER_NICS: FakeNic[] = [
  { name: 'docker0', mac: '02:42:ac:11:00:01', physical: false },
  { name: 'eno1', mac: '3c:ec:ef:00:00:01', physical: true },
  { name: 'eno2', mac: '3c:ec:ef:00:00:02', physical: true },
  { name: 'enp65s0f0', mac: 'b4:96:91:aa:bb:cc', physical: true },
];

export function fakeMachine(nics: FakeNic[], cmdline: string): FakeMachine {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-sysfs-'));
  for (const n of [{ name: 'lo', mac: '00:00:00:00:00:00', physical: false }, ...nics]) {
    mkdirSync(join(dir, 'sys/class/net', n.name, ...(n.physical ? ['device'] : [])), { recursive: true });
    writeFileSync(join(dir, 'sys/class/net', n.name, 'address'), `${n.mac}\n`);
  }
  writeFileSync(join(dir, 'cmdline'), `${cmdline}\n`);
  return { dir, env: { DPLOY_SYS: join(dir, 'sys'), DPLOY_CMDLINE: join(dir, 'cmdline') } };
}

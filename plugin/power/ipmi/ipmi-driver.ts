// IPMI over LAN through Debian's real ipmitool (no maintained IPMI library
// exists for Node). Always -I lanplus with an explicit cipher suite: without
// -C, ipmitool asks Get Channel Cipher Suites, which some BMCs lack (10 s
// stall). Suite 17 (SHA-256) first, then 3, as bmclib does; the one that
// worked is remembered per BMC. The password reaches ipmitool only through
// its environment (-E reads IPMI_PASSWORD), never its command line, which
// any local user can read in /proc.

import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { DployError } from '../../errors.js';
import { bmcKey, type BmcTarget, type DriverSetting, type Firmware, type PowerAction, type PowerDriver, type PowerState } from '../driver.js';
import { classifyIpmitool, timeoutAndRetries } from './ipmitool-output.js';

export interface IpmiToolPaths {
  ipmitoolPath?: string;
}

const CIPHER_SUITES = [17, 3] as const;

const SETTINGS: readonly DriverSetting[] = [
  { name: 'address', label: 'BMC address', secret: false },
  { name: 'port', label: 'RMCP+ port', secret: false, default: '623' },
  { name: 'user', label: 'BMC user (OPERATOR privilege is enough)', secret: false },
  { name: 'password', label: 'BMC password', secret: true },
];

export function createIpmiDriver(paths: IpmiToolPaths = {}): PowerDriver {
  const ipmitool = paths.ipmitoolPath ?? '/usr/bin/ipmitool';
  const workedSuite = new Map<string, number>();

  async function run(bmc: BmcTarget, command: string[], budgetMs: number): Promise<string> {
    const key = bmcKey(bmc);
    const known = workedSuite.get(key);
    const suites = known === undefined ? CIPHER_SUITES : [known];
    const started = Date.now();
    let refused = '';
    for (const suite of suites) {
      const left = budgetMs - (Date.now() - started);
      if (left <= 0) break;
      const result = await runOnce(ipmitool, bmc, suite, command, left);
      if (result.ok) {
        workedSuite.set(key, suite);
        return result.output;
      }
      const failure = classifyIpmitool(result.output, `IPMI ${bmc.address}`);
      if (failure.kind === 'error') throw failure.error;
      refused += `${refused ? '; ' : ''}suite ${suite}: ${failure.detail}`;
    }
    throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `IPMI ${bmc.address}: no cipher suite accepted (${refused || 'budget spent'})`);
  }

  return {
    name: 'ipmi',
    settings: SETTINGS,
    async missingTools() {
      return access(ipmitool, constants.X_OK).then(
        () => [],
        () => [`ipmitool (${ipmitool}; Debian package ipmitool)`],
      );
    },
    async status(bmc, budgetMs): Promise<PowerState> {
      const output = await run(bmc, ['chassis', 'power', 'status'], budgetMs);
      const match = /Chassis Power is (on|off)/.exec(output);
      if (!match) throw new DployError('DPLOY_ERR_BMC', `IPMI ${bmc.address}: unexpected power status answer: ${output.trim().slice(-200)}`);
      return match[1] as PowerState;
    },
    async act(bmc, action: PowerAction, budgetMs) {
      await run(bmc, ['chassis', 'power', action], budgetMs);
    },
    async pxeOnce(bmc, firmware: Firmware, budgetMs) {
      // Without options=persistent, the boot flags are valid for the next boot only (IPMI 2.0 §28.12, parameter 5).
      await run(bmc, ['chassis', 'bootdev', 'pxe', ...(firmware === 'uefi' ? ['options=efiboot'] : [])], budgetMs);
    },
  };
}

function runOnce(ipmitool: string, bmc: BmcTarget, suite: number, command: string[], budgetMs: number): Promise<{ ok: boolean; output: string }> {
  const { timeoutS, retries } = timeoutAndRetries(budgetMs);
  const args = [
    '-v',
    '-I',
    'lanplus',
    '-H',
    bmc.address,
    '-p',
    String(bmc.port ?? 623),
    '-U',
    bmc.user,
    '-E',
    '-L',
    'OPERATOR',
    '-C',
    String(suite),
    '-N',
    String(timeoutS),
    '-R',
    String(retries),
    ...command,
  ];
  return new Promise((resolve) => {
    // The child's whole environment: PATH for its own helpers and the password; nothing else of dploy's.
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', IPMI_PASSWORD: bmc.password };
    // -N/-R bound ipmitool's own waiting; the kill is for a child that hangs anyway.
    execFile(ipmitool, args, { env, timeout: budgetMs + 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const output = `${stdout}\n${stderr}${err?.killed ? '\nipmitool timed out' : ''}`;
      resolve({ ok: !err, output });
    });
  });
}

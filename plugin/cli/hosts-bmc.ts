// dploy hosts set HOST --bmc ipmi://user@addr[:port]: how dploy reaches the
// machine's BMC. The password never comes from the command line (every local
// user reads it in ps): from --bmc-password-file or DPLOY_BMC_PASSWORD, and
// it is sealed before it reaches the database.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DployError } from '../errors.js';
import { openSecretBox } from '../secret-box.js';
import { describeBmc, sealBmc } from '../power/bmc-credentials.js';
import { getHost } from '../store/hosts.js';
import { readHostBmc, removeHostBmc, writeHostBmc } from '../store/host-bmcs.js';
import { configOf, print, printJson, withStore } from './context.js';

interface SetFlags {
  bmc?: string;
  bmcPasswordFile?: string;
  removeBmc?: boolean;
  keyFile?: string;
  json?: boolean;
}

function bmcPassword(flags: SetFlags): string {
  if (flags.bmcPasswordFile) {
    const text = readFileSync(flags.bmcPasswordFile, 'utf8').replace(/\r?\n$/, '');
    if (!text) throw new DployError('DPLOY_ERR_INVALID_INPUT', `${flags.bmcPasswordFile} is empty`);
    return text;
  }
  const env = process.env.DPLOY_BMC_PASSWORD;
  if (env) return env;
  throw new DployError('DPLOY_ERR_INVALID_INPUT', '--bmc needs the BMC password from --bmc-password-file FILE or the DPLOY_BMC_PASSWORD environment variable');
}

export function addHostsSetCommand(hosts: Command): void {
  hosts
    .command('set <host>')
    .description('set how dploy reaches the machine\'s BMC (power on/off, PXE once)')
    .option('--bmc <address>', 'ipmi://user@host[:port]')
    .option('--bmc-password-file <path>', 'file holding the BMC password (else DPLOY_BMC_PASSWORD)')
    .option('--remove-bmc', 'forget the BMC: tasks wait for a person to power-cycle again')
    .option('--key-file <path>', 'key file sealing secrets (default: installers.secretKeyFile)')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, flags: SetFlags, command: Command) => {
      if (!flags.bmc && !flags.removeBmc) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'nothing to set: give --bmc ADDRESS or --remove-bmc');
      const box = flags.bmc ? openSecretBox(flags.keyFile ?? configOf(command).config.installers.secretKeyFile) : undefined;
      const password = flags.bmc ? bmcPassword(flags) : '';
      const result = await withStore(command, async (store) => {
        const host = await getHost(store.db.manager, ref);
        if (flags.removeBmc) return { host, bmc: null, removed: await removeHostBmc(store.db.manager, host.id) };
        const stored = sealBmc(host.id, flags.bmc!, password, box!);
        await writeHostBmc(store.db.manager, stored);
        return { host, bmc: describeBmc((await readHostBmc(store.db.manager, host.id))!), removed: false };
      });
      if (flags.json) return printJson({ host: result.host.name, bmc: result.bmc });
      print(result.bmc ? `host ${result.host.name}: BMC ${result.bmc}\n` : `host ${result.host.name}: ${result.removed ? 'BMC removed' : 'had no BMC'}\n`);
    });
}

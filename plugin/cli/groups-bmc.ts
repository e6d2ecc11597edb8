// dploy groups set GROUP --bmc-driver redfish --bmc-user admin: BMC defaults
// for the group's machines that have a BMC address but no credentials of their
// own (power/bmc-resolve.ts). The password comes, as for `hosts set --bmc`,
// from a file or DPLOY_BMC_PASSWORD, never the command line, and is sealed
// before it reaches the database.

import type { Command } from 'commander';
import { DployError } from '../errors.js';
import { openSecretBox } from '../secret-box.js';
import { describeGroupBmc, sealGroupBmc } from '../power/bmc-credentials.js';
import { getGroup } from '../store/groups.js';
import { readGroupBmc, removeGroupBmc, writeGroupBmc } from '../store/group-bmcs.js';
import { bmcPassword } from './hosts-bmc.js';
import { configOf, print, printJson, withStore } from './context.js';

interface SetFlags {
  bmcDriver?: string;
  bmcUser?: string;
  bmcPort?: string;
  bmcOptions?: string;
  bmcPasswordFile?: string;
  removeBmc?: boolean;
  keyFile?: string;
  json?: boolean;
}

export function addGroupsSetCommand(groups: Command): void {
  groups
    .command('set <name>')
    .description("set the BMC defaults of the group's machines (used by a member with a BMC address and no credentials of its own)")
    .option('--bmc-driver <driver>', 'ipmi, redfish or ribcl')
    .option('--bmc-user <user>', 'the BMC user')
    .option('--bmc-port <port>', "the BMC port (default: the driver's)")
    .option('--bmc-options <options>', 'TLS drivers: tls=1.0, insecure (joined by &)')
    .option('--bmc-password-file <path>', 'file holding the BMC password (else DPLOY_BMC_PASSWORD)')
    .option('--remove-bmc', 'forget the BMC defaults')
    .option('--key-file <path>', 'key file sealing secrets (default: installers.secretKeyFile)')
    .option('--json', 'print JSON for scripts')
    .action(async (name: string, flags: SetFlags, command: Command) => {
      const setting = flags.bmcDriver !== undefined || flags.bmcUser !== undefined;
      if (!setting && !flags.removeBmc)
        throw new DployError('DPLOY_ERR_INVALID_INPUT', 'nothing to set: give --bmc-driver DRIVER --bmc-user USER, or --remove-bmc');
      if (setting && (!flags.bmcDriver || !flags.bmcUser))
        throw new DployError('DPLOY_ERR_INVALID_INPUT', 'BMC defaults need both --bmc-driver and --bmc-user');
      const given = setting ? { driver: flags.bmcDriver!, user: flags.bmcUser!, port: flags.bmcPort, options: flags.bmcOptions } : undefined;
      const password = given ? bmcPassword(flags, '--bmc-driver') : '';
      const box = given ? openSecretBox(flags.keyFile ?? configOf(command).config.installers.secretKeyFile) : undefined;
      const result = await withStore(command, async (store) => {
        const group = await getGroup(store.db.manager, name);
        if (!given) return { group, bmc: null, removed: await removeGroupBmc(store.db.manager, group.id) };
        const sealed = sealGroupBmc(
          group.id,
          { driver: given.driver, user: given.user, ...(given.port ? { port: given.port } : {}), ...(given.options ? { options: given.options } : {}) },
          password,
          box!,
        );
        await writeGroupBmc(store.db.manager, sealed);
        return { group, bmc: describeGroupBmc((await readGroupBmc(store.db.manager, group.id))!), removed: false };
      });
      if (flags.json) return printJson({ group: result.group.name, bmc: result.bmc });
      print(
        result.bmc
          ? `group ${result.group.name}: BMC defaults ${result.bmc}\n`
          : `group ${result.group.name}: ${result.removed ? 'BMC defaults removed' : 'had no BMC defaults'}\n`,
      );
    });
}

// dploy token create

import { Command } from 'commander';
import { ROLES } from '../model/role.js';
import { createApiToken } from '../store/api-tokens.js';
import { enrollmentToken } from '../store/settings.js';
import { print, printJson, withStore } from './context.js';

export function tokenCommand(): Command {
  const token = new Command('token').description('API tokens for /api/v1');
  token
    .command('create')
    .description('create an API token; it is printed once and stored only as a hash')
    .option('--name <name>', 'what the token is for', 'api')
    .option('--role <role>', `${ROLES.join(' | ')}; admin, what tokens could always do, when not given`, 'admin')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { name: string; role: string; json?: boolean }, command: Command) => {
      const created = await withStore(command, (store) => createApiToken(store.db.manager, options.name, options.role));
      if (options.json) return printJson(created);
      print(`${created.token}\n`);
    });
  token
    .command('enrollment')
    .description('print the site enrollment token machines in discovery present (dploy.token= on the kernel command line)')
    .option('--rotate', 'replace it; machines booted with the old one can no longer post')
    .action(async (options: { rotate?: boolean }, command: Command) => {
      const value = await withStore(command, (store) => enrollmentToken(store.db.manager, { rotate: options.rotate ?? false }));
      print(`${value}\n`);
    });
  return token;
}

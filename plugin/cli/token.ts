// dploy token create

import { Command } from 'commander';
import { ROLES } from '../model/role.js';
import { DployError } from '../errors.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../store/api-tokens.js';
import { renderTable } from './table.js';
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
    .command('list')
    .description('API tokens: id, name, role (never the tokens)')
    .option('--json')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withStore(command, (store) => listApiTokens(store.db.manager));
      if (options.json) return printJson(list);
      print(
        renderTable(
          ['ID', 'NAME', 'ROLE', 'CREATED'],
          list.map((t) => [t.id, t.name, t.role, t.createdAt.toISOString()]),
        ),
      );
    });
  token
    .command('revoke <id>')
    .description('revoke an API token at once')
    .action(async (id: string, _o: unknown, command: Command) => {
      if (!/^\d{1,9}$/.test(id)) throw new DployError('DPLOY_ERR_INVALID_INPUT', `token id "${id.slice(0, 40)}": a number from dploy token list`);
      const revoked = await withStore(command, (store) => revokeApiToken(store.db.manager, Number(id)));
      print(`token ${id} (${revoked.name}) revoked\n`);
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

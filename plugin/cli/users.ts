// dploy users add|list|remove|passwd: the console's accounts. Passwords come
// from stdin (one line), never from arguments, which `ps` and shell history show.

import { Command } from 'commander';
import { DployError } from '../errors.js';
import { ROLES } from '../model/role.js';
import { addUser, checkRole, listUsers, removeUser, setPassword } from '../store/users.js';
import { recordAudit } from '../store/audit-log.js';
import { print, printJson, withStore } from './context.js';
import { renderTable } from './table.js';

/** The first line of stdin, without its line end. */
export async function readPasswordLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (one line, then Enter): ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'no password on stdin: e.g. `dploy users add alice --role operator < password-file`');
  return line;
}

export function usersCommand(): Command {
  const users = new Command('users').description(`console accounts; roles: ${ROLES.join(', ')} (docs/console.md)`);
  users
    .command('add <name>')
    .description('add a user; the password is read from stdin')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--json')
    .action(async (name: string, o: { role: string; json?: boolean }, command: Command) => {
      checkRole(o.role);
      const password = await readPasswordLine();
      const user = await withStore(command, async (s) => {
        const added = await addUser(s.db.manager, name, o.role, password);
        await recordAudit(s.db.manager, { actor: 'cli', action: 'user.add', target: name, detail: o.role });
        return added;
      });
      if (o.json) return printJson(user);
      print(`user ${user.name} added (${user.role})\n`);
    });
  users
    .command('list')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await withStore(command, (s) => listUsers(s.db.manager));
      if (o.json) return printJson(list);
      print(
        renderTable(
          ['NAME', 'ROLE', 'CREATED'],
          list.map((u) => [u.name, u.role, u.createdAt.toISOString()]),
        ),
      );
    });
  users
    .command('remove <name>')
    .description('remove a user and end their sessions')
    .action(async (name: string, _o: unknown, command: Command) => {
      await withStore(command, async (s) => {
        await removeUser(s.db.manager, name);
        await recordAudit(s.db.manager, { actor: 'cli', action: 'user.remove', target: name });
      });
      print(`user ${name} removed\n`);
    });
  users
    .command('passwd <name>')
    .description("set a user's password from stdin; their open sessions end")
    .action(async (name: string, _o: unknown, command: Command) => {
      const password = await readPasswordLine();
      await withStore(command, async (s) => {
        await setPassword(s.db.manager, name, password);
        await recordAudit(s.db.manager, { actor: 'cli', action: 'user.passwd', target: name });
      });
      print(`password of ${name} changed\n`);
    });
  return users;
}

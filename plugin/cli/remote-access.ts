// dploy hosts ssh <host|@group> …, dploy hosts keys, dploy hosts accept-key <host>
// Secrets come from files (or "-" for stdin), never from the command line,
// where `ps` and shell history would show them; they are sealed with the
// key file dploy serve uses and never printed back.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DployError } from '../errors.js';
import { openSecretBox } from '../secret-box.js';
import { getGroup } from '../store/groups.js';
import { getHost } from '../store/hosts.js';
import { describeAccess, setRemoteAccess, sshEndpointFor, type AccessSettings } from '../store/remote-access.js';
import { acceptOfferedKey, listPinnedKeys } from '../store/ssh-host-keys.js';
import { configOf, print, printJson, withStore } from './context.js';
import { renderTable } from './table.js';

interface SshFlags {
  user?: string;
  address?: string;
  port?: string;
  passwordFile?: string;
  privateKeyFile?: string;
  passphraseFile?: string;
  concurrency?: string;
}

function secretFrom(file: string): string {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  // A password file written with echo ends in a newline that is not part of the password; a key keeps its own.
  return text.includes('-----BEGIN') ? text : text.replace(/\r?\n$/, '');
}

function positive(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `${what} must be a whole number from 1 to 65535 (got "${value}")`);
  return n;
}

function settingsFrom(f: SshFlags): AccessSettings {
  const port = positive(f.port, '--port');
  const concurrency = positive(f.concurrency, '--concurrency');
  return {
    ...(f.user ? { user: f.user } : {}),
    ...(f.address ? { address: f.address } : {}),
    ...(port ? { port } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(f.passwordFile ? { password: secretFrom(f.passwordFile) } : {}),
    ...(f.privateKeyFile ? { privateKey: secretFrom(f.privateKeyFile) } : {}),
    ...(f.passphraseFile ? { passphrase: secretFrom(f.passphraseFile) } : {}),
  };
}

export function addRemoteAccessCommands(hosts: Command): void {
  hosts
    .command('ssh <target>')
    .description('how dploy logs in over SSH to a host, or by default to every host of @group')
    .option('--user <name>', 'login name (default root)')
    .option('--address <addr>', 'address to connect to (default: the host name)')
    .option('--port <n>', 'SSH port (default 22)')
    .option('--password-file <file>', 'file holding the password ("-": stdin)')
    .option('--private-key-file <file>', 'private key file (OpenSSH or PEM)')
    .option('--passphrase-file <file>', "file holding the private key's passphrase")
    .option('--concurrency <n>', 'group only: machines running a command at once')
    .option('--json', 'print JSON for scripts')
    .action(async (target: string, f: SshFlags & { json?: boolean }, command: Command) => {
      const box = openSecretBox(configOf(command).config.installers.secretKeyFile);
      const settings = settingsFrom(f);
      const shown: Record<string, string> = await withStore(command, async (store) => {
        const db = store.db.manager;
        if (target.startsWith('@')) {
          const group = await getGroup(db, target.slice(1));
          await setRemoteAccess(db, box, { groupId: group.id }, settings);
          return { group: group.name } as Record<string, string>;
        }
        if (settings.concurrency !== undefined)
          throw new DployError('DPLOY_ERR_INVALID_INPUT', '--concurrency is a group setting (dploy hosts ssh @group --concurrency N)');
        const host = await getHost(db, target);
        await setRemoteAccess(db, box, { hostId: host.id }, settings);
        return { host: host.name, ...(await describeAccess(db, host.id)) };
      });
      if (f.json) return printJson(shown);
      print(`SSH access saved for ${target}${shown.login ? ` (${shown.user}@${shown.address ?? shown.host}:${shown.port}, ${shown.login})` : ''}\n`);
    });

  hosts
    .command('keys')
    .description('list pinned SSH host keys, and keys offered and refused')
    .option('--json', 'print JSON for scripts')
    .action(async (f: { json?: boolean }, command: Command) => {
      const keys = await withStore(command, (store) => listPinnedKeys(store.db.manager));
      if (f.json) return printJson(keys);
      print(
        renderTable(
          ['ENDPOINT', 'PINNED', 'OFFERED (REFUSED)'],
          keys.map((k) => [k.endpoint, k.fingerprint, k.offered ?? '']),
        ),
      );
    });

  hosts
    .command('accept-key <host>')
    .description('accept the new SSH host key a host offered (after a reinstall); host or address:port')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, f: { json?: boolean }, command: Command) => {
      const accepted = await withStore(command, async (store) => {
        const db = store.db.manager;
        const endpoint = /:\d+$/.test(ref) ? ref : await sshEndpointFor(db, await getHost(db, ref));
        return acceptOfferedKey(db, endpoint);
      });
      if (f.json) return printJson(accepted);
      print(`${accepted.endpoint}: host key ${accepted.fingerprint} accepted\n`);
    });
}

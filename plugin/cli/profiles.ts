// dploy profiles add|list|show|edit
//   add <file>            a YAML or JSON profile; --replace changes an existing one
//   edit <name> --set k=v change fields (dotted paths, YAML values) and re-validate whole
// Password hashes are sealed with the key file (--key-file, default the
// config's installers.secretKeyFile, which dploy serve opens) and never printed.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { DployError } from '../errors.js';
import { getProfile, listProfiles, maskProfile, openProfile, type Profile, storeProfile } from '../installers/index.js';
import { openSecretBox } from '../secret-box.js';
import { configOf, print, printJson, withStore } from './context.js';
import { renderTable } from './table.js';

interface SaveFlags {
  replace?: boolean;
  json?: boolean;
  keyFile?: string;
}

function readProfileFile(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** --set a.b=value: the value is read as YAML (numbers, booleans, [lists]). */
export function applySetting(target: Record<string, unknown>, setting: string): void {
  const eq = setting.indexOf('=');
  if (eq <= 0) throw new DployError('DPLOY_ERR_INVALID_INPUT', `--set ${setting}: write field=value, e.g. --set timezone=Europe/Paris`);
  const path = setting.slice(0, eq).split('.');
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = parseYaml(setting.slice(eq + 1));
}

/** --key-file, else the key file dploy serve uses (installers.secretKeyFile). */
function secretBox(command: Command, flags: SaveFlags): ReturnType<typeof openSecretBox> {
  return openSecretBox(flags.keyFile ?? configOf(command).config.installers.secretKeyFile);
}

async function save(command: Command, input: unknown, flags: SaveFlags): Promise<void> {
  const box = secretBox(command, flags);
  const saved = await withStore(command, (s) => storeProfile(s.db.manager, input, { replace: flags.replace ?? false, secrets: box }));
  for (const warning of saved.warnings) process.stderr.write(`dploy: warning: ${warning}\n`);
  if (flags.json) return printJson(maskProfile(saved.profile));
  const p = saved.profile;
  print(`profile ${p.name}: ${p.distro} ${p.release} ${p.arch} ${saved.replaced ? 'replaced' : 'saved'}\n`);
}

export function profilesCommand(): Command {
  const profiles = new Command('profiles').description('install profiles (distribution-neutral system descriptions)');
  const keyFile = '--key-file <path>';
  const keyHelp = 'key file sealing password hashes (default: installers.secretKeyFile, ./var/secret.key; created 0600)';
  profiles
    .command('add <file>')
    .description('add a profile from a YAML or JSON file')
    .option('--replace', 'replace a profile of the same name')
    .option(keyFile, keyHelp)
    .option('--json')
    .action((file: string, o: SaveFlags, command: Command) => save(command, readProfileFile(file), o));
  profiles
    .command('edit <name>')
    .description('change fields of a profile; the whole profile is validated again')
    .requiredOption('--set <field=value...>', 'field=value (dotted path, YAML value), e.g. --set partitioning.scheme=lvm')
    .option('--password-hash <hash>', 'new root password hash (kept out of the shell history when given as --password-hash="$(cat file)")')
    .option(keyFile, keyHelp)
    .option('--json')
    .action(async (name: string, o: SaveFlags & { set: string[]; passwordHash?: string }, command: Command) => {
      const box = secretBox(command, o);
      const current = openProfile(await withStore(command, (s) => getProfile(s.db.manager, name)), box) as Record<string, unknown>;
      for (const setting of o.set) applySetting(current, setting);
      if (o.passwordHash) current.rootPasswordHash = o.passwordHash;
      if (current.name !== name) throw new DployError('DPLOY_ERR_INVALID_INPUT', 'name: edit cannot rename a profile; add it under the new name');
      await save(command, current, { ...o, replace: true });
    });
  profiles
    .command('list')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await withStore(command, (s) => listProfiles(s.db.manager));
      if (o.json) return printJson(list.map(maskProfile));
      print(
        renderTable(
          ['NAME', 'DISTRO', 'RELEASE', 'ARCH', 'DISKS', 'SCHEME'],
          list.map((p) => [p.name, p.distro, p.release, p.arch, p.diskPolicy, p.partitioning.scheme]),
        ),
      );
    });
  profiles
    .command('show <name>')
    .option('--json')
    .action(async (name: string, o: { json?: boolean }, command: Command) => {
      const profile: Profile = maskProfile(await withStore(command, (s) => getProfile(s.db.manager, name)));
      if (o.json) return printJson(profile);
      print(`${JSON.stringify(profile, null, 2)}\n`);
    });
  return profiles;
}

// dploy import-iso <file.iso> | dploy import-tree <dir>   [--distro D --release R --arch A] [--replace]
// dploy media import <iso-or-dir> (either) | dploy media list | dploy media remove <key>
// Importing the same media again is a no-op; other media for the same key needs --replace.
// Install media go into installers.mirrorDir (served at /mirror/) and their
// installer kernel and initrd into the TFTP root, where boot entries name them.

import { Command } from 'commander';
import { importMedia, listMedia, removeMedia } from '../installers/index.js';
import { configOf, print, printJson } from './context.js';

interface ImportFlags {
  distro?: string;
  release?: string;
  arch?: string;
  replace?: boolean;
}

function importCommand(name: string, source: string, description: string, expect?: 'iso' | 'tree'): Command {
  return new Command(name)
    .description(description)
    .argument(source, expect === 'iso' ? 'ISO image' : expect === 'tree' ? 'directory (a mounted DVD, an rsync of a release tree)' : 'ISO file or directory')
    .option('--distro <distro>', 'when the media does not say (detected from .treeinfo, .disk/info, media.1/products, content)')
    .option('--release <release>')
    .option('--arch <arch>')
    .option('--replace', 'replace other media already imported under the same key')
    .action(async (path: string, o: ImportFlags, command: Command) => {
      const { config } = configOf(command);
      const done = await importMedia({ source: path, mirrorDir: config.installers.mirrorDir, tftpRoot: config.tftp.root, ...(expect ? { expect } : {}), ...o });
      if (done.unchanged) return print(`${done.key} is already imported from this media (${done.importedAt}): nothing to do\n`);
      print(
        `imported ${done.key} (${size(done.bytes)}): tree in ${config.installers.mirrorDir}/${done.key}, boot files ${done.boot.kernel} and ${done.boot.initrd} in ${config.tftp.root}\n`,
      );
    });
}

/** Top-level `dploy import-iso` and `dploy import-tree` (the mrepo-style names sysadmins type). */
export function importCommands(): Command[] {
  return [
    importCommand('import-iso', '<file>', 'import an install ISO: its tree into the mirror served at /mirror/, kernel and initrd into the TFTP root', 'iso'),
    importCommand(
      'import-tree',
      '<dir>',
      'import an install tree (directory): into the mirror served at /mirror/, kernel and initrd into the TFTP root',
      'tree',
    ),
  ];
}

function size(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

export function mediaCommand(): Command {
  // Set before the subcommands exist: they inherit it, so bad usage exits 2 like the rest of dploy.
  const media = new Command('media').description('install media: import an ISO or tree, list, remove').exitOverride().showHelpAfterError();
  media.addCommand(
    importCommand('import', '<source>', 'import an install ISO or directory tree into the mirror and its kernel/initrd into the TFTP root')
      .exitOverride()
      .showHelpAfterError(),
  );
  media
    .command('list')
    .description('imported media')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const rows = await listMedia(configOf(command).config.installers.mirrorDir);
      if (o.json) return printJson(rows);
      if (rows.length === 0) return print('no media imported (dploy media import <file.iso>)\n');
      const width = Math.max(3, ...rows.map((r) => r.key.length));
      print(`${'KEY'.padEnd(width)}  ${'SIZE'.padStart(10)}  IMPORTED AT\n`);
      for (const r of rows) print(`${r.key.padEnd(width)}  ${size(r.bytes).padStart(10)}  ${r.importedAt}\n`);
    });
  media
    .command('remove')
    .description('remove imported media: the tree in the mirror and its boot files in the TFTP root')
    .argument('<key>', 'distro-release-arch')
    .action(async (key: string, _o: unknown, command: Command) => {
      const { config } = configOf(command);
      await removeMedia(config.installers.mirrorDir, key, config.tftp.root);
      print(`removed ${key}\n`);
    });
  return media;
}

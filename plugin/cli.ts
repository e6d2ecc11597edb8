// The `dploy` command. Exit codes: 0 done, 1 the operation failed (message on
// stderr), 2 bad usage or configuration.

import { Command, CommanderError } from 'commander';
import { isDployError } from './errors.js';
import { dhcpCommand } from './cli/dhcp.js';
import { groupsCommand } from './cli/groups.js';
import { renderCommand } from './cli/render.js';
import { profilesCommand } from './cli/profiles.js';
import { hostsCommand } from './cli/hosts.js';
import { imagesCommand } from './cli/images.js';
import { bootEnvCommand } from './cli/boot-env.js';
import { inventoriesCommand } from './cli/inventories.js';
import { jobsCommand, runnerCommand } from './cli/jobs.js';
import { importCommands, mediaCommand } from './cli/media.js';
import { migrateCommand } from './cli/migrate.js';
import { serveCommand } from './cli/serve.js';
import { simTaskCommand } from './cli/sim-task.js';
import { taskCommand } from './cli/task.js';
import { tokenCommand } from './cli/token.js';
import { usersCommand } from './cli/users.js';
import { visibleText } from './cli/terminal-text.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('dploy')
    .description('deployment server in a box for OCS Inventory NG, HP SIM or standalone')
    .option('-c, --config <file>', 'configuration file (default ./dploy.yaml, then /etc/dploy/dploy.yaml)')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`dploy ${VERSION}\n`);
    });
  for (const command of [
    migrateCommand(),
    serveCommand(),
    hostsCommand(),
    inventoriesCommand(),
    groupsCommand(),
    taskCommand(),
    simTaskCommand(),
    jobsCommand(),
    runnerCommand(),
    profilesCommand(),
    renderCommand(),
    dhcpCommand(),
    tokenCommand(),
    usersCommand(),
    mediaCommand(),
    imagesCommand(),
    bootEnvCommand(),
    ...importCommands(),
  ]) {
    program.addCommand(command.exitOverride().showHelpAfterError());
  }
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  // `dploy hosts show 1 | head`: the reader is gone and has what it wanted; no stack trace for that.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (isDployError(err)) {
      process.stderr.write(`dploy: ${visibleText(err.message)}\n`);
      return err.code === 'DPLOY_ERR_CONFIG' || err.code === 'DPLOY_ERR_DATABASE_URL' ? 2 : 1;
    }
    process.stderr.write(`dploy: unexpected error (please report): ${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  }
}

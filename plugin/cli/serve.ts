// dploy serve: runs until SIGTERM/SIGINT, then closes listeners and the
// database cleanly (systemd's stop, Ctrl-C).

import { Command } from 'commander';
import { startServer } from '../server.js';
import { configOf } from './context.js';

export function serveCommand(): Command {
  return new Command('serve').description('run the HTTP, TFTP and job-runner services').action(async (_options: unknown, command: Command) => {
    const server = await startServer(configOf(command).config);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        server.app.log.info({ signal }, 'shutting down');
        server.close().then(resolve, (err: unknown) => {
          server.app.log.error({ err }, 'error during shutdown');
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });
}

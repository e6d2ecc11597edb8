// dploy migrate [--database URL] [--dry-run]

import { Command } from 'commander';
import { openStore } from '../store/database.js';
import { migrate, pendingMigrations } from '../store/migrate.js';
import { configOf, print, printJson } from './context.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description("create or update dploy's tables (idempotent)")
    .option('--database <url>', 'database URL (default: database.url from the configuration)')
    .option('--dry-run', 'print the SQL that would run, change nothing (for a DBA to review)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { database?: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      const url = options.database ?? configOf(command).config.database.url;
      const store = await openStore(url);
      try {
        const dialect = store.target.dialect;
        if (options.dryRun) {
          const pending = await pendingMigrations(store.db, dialect);
          if (options.json) return printJson({ database: store.target.display, pending: pending.map((m) => ({ version: m.version, name: m.name, statements: m.statements })) });
          if (pending.length === 0) return print(`-- ${store.target.display}: up to date, nothing to run\n`);
          for (const m of pending) print(`-- ${String(m.version).padStart(3, '0')}_${m.name}\n${m.statements.map((s) => `${s};\n`).join('\n')}\n`);
          return;
        }
        const report = await migrate(store.db, dialect);
        if (options.json) return printJson({ database: store.target.display, applied: report.applied.map((m) => m.name), alreadyApplied: report.alreadyApplied });
        if (report.applied.length === 0) print(`${store.target.display}: up to date (${report.alreadyApplied} migration(s) already applied)\n`);
        for (const m of report.applied) print(`${store.target.display}: applied ${String(m.version).padStart(3, '0')}_${m.name}\n`);
      } finally {
        await store.close();
      }
    });
}

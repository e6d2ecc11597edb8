// dploy migrate [--database URL] [--dry-run]
// With platform ocs it first checks that the database is an OCS schema dploy
// can write (its version and its columns), and afterwards registers dploy's
// administrative data. With platform sim it first checks SIM's command line
// (the mx commands answer with the XML dploy reads), and afterwards registers
// dploy's tools in SIM; --dry-run prints their tool definition file.

import { Command } from 'commander';
import { openStore } from '../store/database.js';
import { migrate, pendingMigrations } from '../store/migrate.js';
import { planOcs, registerInOcs, stepSql } from '../platforms/ocs/ocs-migrate.js';
import { planFiles, planSimTools, registerSimTools } from '../platforms/sim/sim-tools.js';
import { mxCliOf } from '../platforms/sim/sim-settings.js';
import { configOf, print, printJson } from './context.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description("create or update dploy's tables (idempotent); with platform ocs, also dploy's administrative data in OCS; with sim, dploy's tools in SIM")
    .option('--database <url>', 'database URL (default: database.url from the configuration)')
    .option('--dry-run', 'print the SQL that would run, change nothing (for a DBA to review)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { database?: string; dryRun?: boolean; json?: boolean }, command: Command) => {
      const { config } = configOf(command);
      const url = options.database ?? config.database.url;
      const ocs = config.platform === 'ocs';
      const store = await openStore(url);
      try {
        const dialect = store.target.dialect;
        // Refused before anything is created in a database that is not a tested OCS.
        const ocsPlan = ocs ? await planOcs(store.db.manager, config.ocs) : undefined;
        const sim = config.platform === 'sim' ? mxCliOf(config.sim) : undefined;
        const simPlan = sim ? await planSimTools(sim, config.sim) : undefined;
        if (options.dryRun) {
          const pending = await pendingMigrations(store.db, dialect);
          if (options.json) {
            return printJson({
              database: store.target.display,
              pending: pending.map((m) => ({ version: m.version, name: m.name, statements: m.statements })),
              ...(ocsPlan ? { ocs: { guiVersion: ocsPlan.guiVersion, statements: ocsPlan.steps.map(stepSql) } } : {}),
              ...(simPlan ? { sim: { unchanged: simPlan.unchanged, files: planFiles(simPlan) } } : {}),
            });
          }
          for (const file of simPlan ? planFiles(simPlan) : []) print(`<!-- HP SIM: ${file.args} -->\n${file.xml}`);
          if (simPlan && planFiles(simPlan).length === 0) print(`-- HP SIM: dploy's ${simPlan.unchanged.length} tools are registered, nothing to change\n`);
          if (pending.length === 0 && !ocsPlan?.steps.length) return print(`-- ${store.target.display}: up to date, nothing to run\n`);
          for (const m of pending) print(`-- ${String(m.version).padStart(3, '0')}_${m.name}\n${m.statements.map((s) => `${s};\n`).join('\n')}\n`);
          if (ocsPlan?.steps.length) {
            print(`-- OCS Inventory NG (GUI_VERSION ${ocsPlan.guiVersion}): dploy's administrative data\n`);
            for (const step of ocsPlan.steps) print(`-- ${step.summary}\n${stepSql(step)};\n`);
          }
          return;
        }
        const report = await migrate(store.db, dialect);
        const registered = ocs ? await registerInOcs(store.db.manager, config.ocs) : [];
        const tools = sim && simPlan ? await registerSimTools(sim, simPlan) : [];
        if (options.json)
          return printJson({
            database: store.target.display,
            applied: report.applied.map((m) => m.name),
            alreadyApplied: report.alreadyApplied,
            ...(ocs ? { ocs: registered.map((s) => s.summary) } : {}),
            ...(simPlan ? { sim: tools } : {}),
          });
        if (report.applied.length === 0) print(`${store.target.display}: up to date (${report.alreadyApplied} migration(s) already applied)\n`);
        for (const m of report.applied) print(`${store.target.display}: applied ${String(m.version).padStart(3, '0')}_${m.name}\n`);
        if (ocs)
          print(
            registered.length === 0
              ? `${store.target.display}: dploy's OCS administrative data is in place\n`
              : registered.map((s) => `${store.target.display}: OCS: ${s.summary}\n`).join(''),
          );
        if (simPlan) print(tools.length === 0 ? `HP SIM: dploy's tools are registered\n` : tools.map((t) => `HP SIM: ${t}\n`).join(''));
      } finally {
        await store.close();
      }
    });
}

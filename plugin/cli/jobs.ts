// dploy jobs list|show|cancel, dploy runner --once

import { Command } from 'commander';
import { getHost } from '../store/hosts.js';
import { getJob, jobEvents, listJobs } from '../store/jobs.js';
import { kindsFromConfig, runnerOptions, tick } from '../jobs/index.js';
import { cancelJob } from '../jobs/cancel-job.js';
import { configOf, print, printJson, withStore } from './context.js';
import { renderTable } from './table.js';

export function jobsCommand(): Command {
  const jobs = new Command('jobs').description('jobs and their event logs');
  jobs
    .command('list')
    .option('--host <host>', 'only this machine')
    .option('--active', 'only running jobs')
    .option('--limit <n>', 'at most n jobs', '100')
    .option('--json')
    .action(async (o: { host?: string; active?: boolean; limit: string; json?: boolean }, command: Command) => {
      const list = await withStore(command, async (s) => {
        const hostId = o.host ? (await getHost(s.db.manager, o.host)).id : undefined;
        return listJobs(s.db.manager, { ...(hostId !== undefined ? { hostId } : {}), active: o.active ?? false, limit: Number(o.limit) || 100 });
      });
      if (o.json) return printJson(list.map(({ token: _token, ...job }) => job));
      print(
        renderTable(
          ['ID', 'HOST', 'KIND', 'STATE', 'PROFILE/IMAGE', 'UPDATED', 'MESSAGE'],
          list.map((j) => [j.id, j.hostId, j.kind, j.state, j.profile ?? j.image, j.updatedAt.toISOString(), j.message]),
        ),
      );
    });
  jobs
    .command('show <id>')
    .option('--json')
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const { job, events } = await withStore(command, async (s) => ({
        job: await getJob(s.db.manager, Number(id)),
        events: await jobEvents(s.db.manager, Number(id)),
      }));
      const { token: _token, ...visible } = job;
      if (o.json) return printJson({ ...visible, events });
      print(
        `job ${job.id}: ${job.kind}${job.profile ? ` ${job.profile}` : ''} on host ${job.hostId}, ${job.state}${job.message ? ` (${job.message})` : ''}\n\n`,
      );
      print(
        renderTable(
          ['AT', 'FROM', 'TO', 'ACTOR', 'MESSAGE'],
          events.map((e) => [e.at.toISOString(), e.fromState, e.toState, e.actor, e.message]),
        ),
      );
    });
  jobs
    .command('cancel <id>')
    .description('cancel a running job; its machine goes back to local boot')
    .option('--json')
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const kinds = kindsFromConfig(configOf(command).config);
      const ended = await withStore(command, (s, platform) => cancelJob(s.db, platform, kinds, Number(id), 'cli', 'dploy jobs cancel'));
      if (o.json) return printJson({ id: ended.id, state: ended.state });
      print(`cancelled job ${ended.id}\n`);
    });
  return jobs;
}

export function runnerCommand(): Command {
  return new Command('runner')
    .description('run the job runner (for system cron: --once)')
    .requiredOption('--once', 'one tick, then exit')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const { config } = configOf(command);
      const log = {
        info() {},
        warn: (obj: object, msg: string) => process.stderr.write(`warn: ${msg} ${JSON.stringify(obj)}\n`),
        error: (obj: object, msg: string) => process.stderr.write(`error: ${msg} ${JSON.stringify(obj)}\n`),
      };
      const report = await withStore(command, (store, platform) => tick(runnerOptions(config, store, platform, log)));
      if (o.json) return printJson(report);
      print(
        `runner: ${report.created} job(s) opened, ${report.stepsRun} step(s) run, ${report.expired} timed out, ${report.refused} task(s) refused, ${report.failedSteps} step failure(s) in ${report.ms} ms\n`,
      );
    });
}

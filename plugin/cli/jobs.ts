// dploy jobs list|show|cancel, dploy runner --once

import { Command } from 'commander';
import { DployError } from '../errors.js';
import { isTerminal } from '../model/job.js';
import { getHost } from '../store/hosts.js';
import { getJob, jobEvents, listJobs } from '../store/jobs.js';
import { kindsFromConfig, runnerOptions, tick } from '../jobs/index.js';
import { endJob } from '../jobs/job-step.js';
import { kindSpec } from '../jobs/kinds/index.js';
import { reportStatus, SILENT_LOG } from '../jobs/runner.js';
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
      const ended = await withStore(command, async (s, platform) => {
        const job = await getJob(s.db.manager, Number(id));
        if (isTerminal(job.state)) throw new DployError('DPLOY_ERR_CONFLICT', `job ${job.id} already ended (${job.state})`);
        const result = await endJob(s.db, kindSpec(kinds, job.kind), job, 'cancelled', 'cancelled by the operator (dploy jobs cancel)', 'cli');
        if (!result) throw new DployError('DPLOY_ERR_CONFLICT', `job ${job.id} moved meanwhile; look again with dploy jobs show ${job.id}`);
        await reportStatus({ platform, kinds, log: SILENT_LOG }, result);
        return result;
      });
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

// The jobs capability as the rest of dploy sees it: build a runner from its
// config slice, schedule it, run one tick.

import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/index.js';
import { DployError } from '../errors.js';
import type { Platform } from '../platforms/index.js';
import type { Store } from '../store/database.js';
import { installPreflight, mirrorView } from '../installers/index.js';
import { jobKinds, type JobKinds } from './kinds/index.js';
import { REMOTE_DEFAULTS } from './kinds/command.js';
import { openSecretBox } from '../secret-box.js';
import { checkRestorePaths } from '../images/paths-plan.js';
import { runnerTick, type RunnerLog, type RunnerOptions, type TickReport } from './runner.js';
import { powerHook, type BootLoad } from './power-hook.js';
import { policiesFromSettings, type WavePolicy } from '../power/index.js';

export { applyAgentEvent } from './agent-events.js';
export { nextActionFor } from './next-action.js';
export { AGENT_EVENTS, type AgentEvent } from './job-kind.js';
export type { JobKinds } from './kinds/index.js';
export { kindStates } from './kinds/index.js';
export type { TickReport } from './runner.js';
export type { BootLoad } from './power-hook.js';

/** power.wave*: the operator's size when set, else measured within the bounds (docs/power.md). */
function wavePolicy(p: Readonly<Config['power']>): WavePolicy {
  return {
    intervalMs: p.waveIntervalSeconds * 1000,
    minSize: p.waveMinSize,
    maxSize: p.waveMaxSize,
    unmeasuredSize: p.waveUnmeasuredSize,
    ...(p.waveSize !== undefined ? { size: p.waveSize } : {}),
  };
}

/** `load`: the boot services' measure, when they run in this process (`dploy serve`). */
export function kindsFromConfig(config: Readonly<Config>, load?: BootLoad): JobKinds {
  const { runner, installers } = config;
  // Only mirror.has() matters to the check (a release without a public tree needs its media imported).
  const preflight = installPreflight(mirrorView(installers.mirrorDir, () => ''));
  return jobKinds(
    { bootSeconds: runner.bootTimeoutSeconds, installSeconds: runner.installTimeoutSeconds },
    {
      installCheck: ({ db, host, job }) => preflight(db, host, job),
      power: powerHook(installers.secretKeyFile, {
        policy: policiesFromSettings(config.power),
        waves: wavePolicy(config.power),
        ...(load ? { load } : {}),
      }),
      remote: { ...REMOTE_DEFAULTS, secrets: () => openSecretBox(installers.secretKeyFile) },
      images: {
        secrets: () => openSecretBox(installers.secretKeyFile),
        storeDir: config.images.storeDir,
        filesystems: config.images.filesystems.split(/\s+/).filter(Boolean),
        captureTimeoutSeconds: config.images.captureTimeoutSeconds,
        retention: { keepPerHost: config.images.keepPerHost, maxAgeDays: config.images.maxAgeDays },
        restorePaths: restorePathsOf(config),
        mondoScratchDir: config.images.mondoScratchDir,
      },
      mondoNetfs: config.images.mondoNetfs,
    },
  );
}

/** images.restorePaths, checked: a bad path fails at start, not on a machine half-way through its rebuild. */
export function restorePathsOf(config: Readonly<Config>): string[] {
  return checkRestorePaths(config.images.restorePaths.split(/\s+/).filter(Boolean));
}

export function runnerOptions(config: Readonly<Config>, store: Store, platform: Platform, log: RunnerLog, load?: BootLoad): RunnerOptions {
  const r = config.runner;
  return {
    db: store.db,
    dialect: store.target.dialect,
    platform,
    kinds: kindsFromConfig(config, load),
    owner: `${hostname()}:${process.pid}`,
    leaseSeconds: r.leaseSeconds,
    batchSize: r.batchSize,
    maxAttempts: r.maxAttempts,
    budgetMs: 30_000,
    log,
  };
}

export function tick(options: RunnerOptions): Promise<TickReport> {
  return runnerTick(options);
}

export interface ScheduledRunner {
  /** Stops scheduling and waits for a tick in flight, so the store can close under it safely. */
  stop(): Promise<void>;
}

/** Schedules ticks; a tick still running when the next is due is not doubled. */
export function scheduleRunner(schedule: string, options: RunnerOptions): ScheduledRunner {
  if (!cron.validate(schedule))
    throw new DployError('DPLOY_ERR_CONFIG', `runner.schedule "${schedule}" is not a valid cron expression (six fields with seconds, e.g. "*/10 * * * * *")`);
  let inFlight: Promise<void> | undefined;
  const task: ScheduledTask = cron.schedule(
    schedule,
    () => {
      if (inFlight) return;
      inFlight = runnerTick(options)
        .then((report) => {
          if (report.created || report.stepsRun || report.expired || report.refused) options.log.info({ ...report }, 'runner tick');
        })
        .catch((err: unknown) => options.log.error({ err }, 'runner tick failed'))
        .finally(() => {
          inFlight = undefined;
        });
    },
    { name: 'dploy-runner' },
  );
  return {
    async stop() {
      await task.destroy();
      await inFlight;
    },
  };
}

// Which jobs a runner claims: those in a state where their kind has a step
// to run (the kinds' tables say which). The claim itself, its row locks and
// its lease, is plugin/store/job-claims.ts.

import type { DataSource } from 'typeorm';
import type { Dialect } from '../store/dialect.js';
import { claimJobs as claimRunnable, type ClaimOptions, type RunnableStates } from '../store/job-claims.js';
import type { Job } from '../model/job.js';
import type { JobKinds } from './kinds/index.js';

export function claimJobs(db: DataSource, dialect: Dialect, kinds: JobKinds, options: ClaimOptions): Promise<Job[]> {
  return claimRunnable(db, dialect, runnableStates(kinds), options);
}

function runnableStates(kinds: JobKinds): RunnableStates[] {
  return [...kinds.values()].flatMap((spec) => {
    const states = Object.entries(spec.states)
      .filter(([, s]) => s.run)
      .map(([name]) => name);
    return states.length === 0 ? [] : [{ kind: spec.kind, states }];
  });
}

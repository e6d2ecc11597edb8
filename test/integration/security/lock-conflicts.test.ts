// Lock conflicts are nobody's fault: a runner's transaction that loses a
// deadlock to another (another runner, an agent event, the console) runs again
// at once. Before, a job step's counted as a failed attempt: a 15 s back-off,
// and "Deadlock found when trying to get lock" shown to the operator as the
// status; a failed step's deferral that lost one ended the whole tick.

import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '../../support/databases.js';
import { stageDeadlock, untilDployLost, type Round } from '../../support/deadlock-staging.js';
import { openStore, type Store } from '../../../plugin/store/database.js';
import { upsertHost } from '../../../plugin/store/hosts.js';
import { createJob, getJob, jobEvents } from '../../../plugin/store/jobs.js';
import { configSchema } from '../../../plugin/config/index.js';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { runnerOptions, tick } from '../../../plugin/jobs/index.js';
import type { JobKindSpec } from '../../../plugin/jobs/job-kind.js';
import type { RunnerOptions } from '../../../plugin/jobs/runner.js';
import { SILENT_LOG } from '../../../plugin/jobs/runner.js';

type Dialect = 'mysql' | 'postgres';
const LOCK_WORDS = /deadlock|could not serialize|lock/i;

// A step that always fails as a silent BMC does: retryable, so the runner defers the job.
const FLAKY: JobKindSpec = {
  kind: 'power-cycle',
  doneStatus: 'powered',
  states: {
    queued: {
      step: 1,
      status: 'powering',
      run: async () => {
        throw new Error('BMC 10.0.0.9 did not answer');
      },
    },
  },
};

for (const dialect of ['mysql', 'postgres'] as const) {
  describe(`lock conflicts on ${dialect}`, () => {
    test('a job step that loses a deadlock runs again at once and costs no attempt', { timeout: 120_000 }, (t) =>
      withRunner(t, dialect, async (store, other, options, round) => {
        const { id: hostId } = await upsertHost(store.db.manager, { name: `victim${round}`, macs: [`52:54:00:cc:00:0${round}`] });
        const job = await createJob(store.db.manager, { hostId, kind: 'localboot' }, 'operator', 'localboot');
        // The rival holds the machine's row; the step locks the job's row (holdLease), then waits for the machine's.
        const staged = await stageDeadlock(
          dialect,
          other,
          {
            hold: `UPDATE dploy_hosts SET name = name WHERE id = ${hostId}`,
            waiting: dialect === 'mysql' ? `UPDATE \`dploy_hosts\`%WHERE \`id\` = ${hostId}` : 'UPDATE "dploy_hosts"%',
            close: `UPDATE dploy_jobs SET updated_at = updated_at WHERE id = ${job.id}`,
          },
          () => tick(options),
        );
        const after = await getJob(store.db.manager, job.id);
        const events = (await jobEvents(store.db.manager, job.id)).map((e) => e.message).join('\n');
        // Every round, whoever lost: the step ends done, no attempt counted, no lock conflict shown to the operator.
        assert.equal(after.state, 'done', `the step ran again at once: ${after.message ?? ''}\n${events}`);
        assert.equal(after.attempts, 0, 'no attempt counted');
        assert.doesNotMatch(events, LOCK_WORDS, 'the operator sees no lock conflict');
        assert.equal(staged.result.failedSteps, 0);
        return staged.round;
      }),
    );

    test("a failed step's deferral that loses a deadlock runs again: one attempt counted, and the tick goes on", { timeout: 120_000 }, (t) =>
      withRunner(t, dialect, async (store, other, options, round) => {
        const { id: hostId } = await upsertHost(store.db.manager, { name: `bmc${round}`, macs: [`52:54:00:cd:00:0${round}`] });
        const job = await createJob(store.db.manager, { hostId, kind: 'power-cycle' }, 'operator', 'power-cycle');
        // Claimed in the same batch after the flaky job: moved only if the tick survives the deferral's deadlock.
        const { id: nextHostId } = await upsertHost(store.db.manager, { name: `next${round}`, macs: [`52:54:00:ce:00:0${round}`] });
        const next = await createJob(store.db.manager, { hostId: nextHostId, kind: 'localboot' }, 'operator', 'localboot');
        // The deferral locks the job's row, then writes its event: on MariaDB the rival's next-key lock on the job's
        // events holds that insert back, on PostgreSQL (no gap locks) a SHARE lock on the table does.
        const staged = await stageDeadlock(
          dialect,
          other,
          {
            hold: dialect === 'mysql' ? `SELECT id FROM dploy_job_events WHERE job_id = ${job.id} FOR UPDATE` : 'LOCK TABLE dploy_job_events IN SHARE MODE',
            waiting: dialect === 'mysql' ? `INSERT INTO \`dploy_job_events\`%VALUES (DEFAULT, ${job.id}, %` : 'INSERT INTO "dploy_job_events"%',
            close: `UPDATE dploy_jobs SET updated_at = updated_at WHERE id = ${job.id}`,
          },
          () => tick({ ...options, kinds: new Map([...options.kinds, ['power-cycle', FLAKY]]) }),
        );
        const after = await getJob(store.db.manager, job.id);
        const events = (await jobEvents(store.db.manager, job.id)).map((e) => e.message);
        assert.equal(after.state, 'queued');
        assert.equal(after.attempts, 1, 'the failure counted once');
        assert.equal(after.message, 'BMC 10.0.0.9 did not answer', 'the step failure, not the deadlock, is what the operator sees');
        assert.deepEqual(
          events.filter((m) => m.startsWith('attempt')),
          ['attempt 1 of 3 failed: BMC 10.0.0.9 did not answer; retrying in 15 s'],
        );
        assert.doesNotMatch(events.join('\n'), LOCK_WORDS);
        assert.equal((await getJob(store.db.manager, next.id)).state, 'done', 'the next job of the batch moved in the same tick');
        assert.deepEqual([staged.result.stepsRun, staged.result.failedSteps], [1, 1]);
        return staged.round;
      }),
    );
  });
}

/** A fresh database, a second store on it for the rival, and rounds of `play` until the runner's transaction lost one. */
async function withRunner(
  t: TestContext,
  dialect: Dialect,
  play: (store: Store, other: Store, options: RunnerOptions, round: number) => Promise<Round>,
): Promise<void> {
  const { store, database, dispose } = await openTestStore(dialect);
  const other = await openStore(database.url);
  try {
    const config = configSchema.parse({ database: { url: database.url } });
    const options = { ...runnerOptions(config, store, createPlatform('standalone', store), SILENT_LOG), budgetMs: 20_000 };
    // The database picks the deadlock's victim; a round where it picked the rival, or where the runner's
    // transaction never reached the lock, proves nothing and is played again, never counted as passed.
    const rounds = await untilDployLost((round) => play(store, other, options, round));
    t.diagnostic(`rounds: ${rounds.join(', ')}`);
    assert.ok(rounds.includes('dploy-lost'), `the runner's transaction never lost a deadlock: ${rounds.join(', ')}`);
  } finally {
    await other.close();
    await dispose();
  }
}

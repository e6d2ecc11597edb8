// Lock conflicts are nobody's fault: a job step that loses a deadlock to
// another transaction (another runner, an agent event, the console) runs again
// at once. Before, it counted as a failed attempt: a 15 s back-off, and
// "Deadlock found when trying to get lock" shown to the operator as the status.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '../../support/databases.js';
import { openStore, type Store } from '../../../plugin/store/database.js';
import { isLockConflict } from '../../../plugin/store/database-errors.js';
import { upsertHost } from '../../../plugin/store/hosts.js';
import { createJob, getJob, jobEvents } from '../../../plugin/store/jobs.js';
import { configSchema } from '../../../plugin/config/index.js';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { runnerOptions, tick } from '../../../plugin/jobs/index.js';
import type { RunnerOptions } from '../../../plugin/jobs/runner.js';
import { SILENT_LOG } from '../../../plugin/jobs/runner.js';

const HEAVY = {
  // Many rows written make this transaction the heavier one: the database sacrifices the runner's step.
  mysql: 'INSERT INTO lock_ballast SELECT seq FROM seq_1_to_5000',
  postgres: 'INSERT INTO lock_ballast SELECT generate_series(1, 5000)',
};
// The step itself waiting for this round's machine row, in this test's database only: the server is shared, and
// another suite's lock waits counted here would call a round staged when the step never waited.
const WAITING = {
  mysql: (hostId: number) =>
    'SELECT COUNT(*) AS n FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id ' +
    `WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE() AND t.trx_query LIKE 'UPDATE \`dploy_hosts\`%WHERE \`id\` = ${hostId}'`,
  postgres: () =>
    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND query LIKE 'UPDATE \"dploy_hosts\"%'",
};
// MariaDB's information_schema.innodb_trx is a copy of the lock table, made again only when nobody read it for
// 100 ms: read every 20 ms (as this test once did), it never showed the step waiting. Reads 150 ms apart see it;
// a stale copy can only be older, and the statement names this round's machine, so it never shows a past round.
const POLL_MS = 150;
/** A round where the step is not seen waiting by then is given up (and played again). */
const STAGING_MS = 5_000;

/** How one round went: the step lost the deadlock (what this test is about), or the database chose otherwise. */
type Round = 'step-lost' | 'step-never-waited' | 'rival-lost';

for (const dialect of ['mysql', 'postgres'] as const) {
  describe(`lock conflicts on ${dialect}`, () => {
    test('a job step that loses a deadlock runs again at once and costs no attempt', { timeout: 120_000 }, async (t) => {
      const { store, database, dispose } = await openTestStore(dialect);
      const other = await openStore(database.url);
      try {
        await other.db.query('CREATE TABLE lock_ballast (id INT PRIMARY KEY)');
        const config = configSchema.parse({ database: { url: database.url } });
        const options = { ...runnerOptions(config, store, createPlatform('standalone', store), SILENT_LOG), budgetMs: 20_000 };
        // The database picks the deadlock's victim (the lighter transaction, usually); a round where it
        // picked the rival, or where the step never reached the lock, proves nothing and is played again.
        const rounds: Round[] = [];
        for (let round = 1; round <= 4 && !rounds.includes('step-lost'); round++) {
          rounds.push(await playRound(dialect, store, other, options, round));
        }
        t.diagnostic(`rounds: ${rounds.join(', ')}`);
        assert.ok(rounds.includes('step-lost'), `the step never lost a deadlock: ${rounds.join(', ')}`);
      } finally {
        await other.close();
        await dispose();
      }
    });
  });
}

async function playRound(dialect: 'mysql' | 'postgres', store: Store, other: Store, options: RunnerOptions, round: number): Promise<Round> {
  const { id: hostId } = await upsertHost(store.db.manager, { name: `victim${round}`, macs: [`52:54:00:cc:00:0${round}`] });
  const job = await createJob(store.db.manager, { hostId, kind: 'localboot' }, 'operator', 'localboot');
  await other.db.query('DELETE FROM lock_ballast');
  // Another transaction holds the machine's row; the step locks the job's row, then waits for the machine's.
  const rival = other.db.createQueryRunner();
  await rival.connect();
  await rival.startTransaction();
  await rival.query(HEAVY[dialect]);
  await rival.query(`UPDATE dploy_hosts SET name = name WHERE id = ${hostId}`);
  const ticked = tick(options);
  let outcome: Round = 'step-lost';
  try {
    let waited = 0;
    while (Number((await other.db.query(WAITING[dialect](hostId)))[0].n) === 0 && waited < STAGING_MS) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      waited += POLL_MS;
    }
    if (waited >= STAGING_MS) outcome = 'step-never-waited';
    else {
      // Now the rival asks for the job's row: a deadlock, which the database ends by failing one of the two.
      try {
        await rival.query(`UPDATE dploy_jobs SET updated_at = updated_at WHERE id = ${job.id}`);
      } catch (err) {
        if (!isLockConflict(err)) throw err;
        outcome = 'rival-lost';
      }
    }
  } finally {
    // Whatever happened, the rival ends and the tick is awaited before the next round or the cleanup.
    if (outcome === 'step-lost') await rival.commitTransaction();
    else await rival.rollbackTransaction().catch(() => undefined);
    await rival.release();
  }
  const report = await ticked;
  const after = await getJob(store.db.manager, job.id);
  const events = (await jobEvents(store.db.manager, job.id)).map((e) => e.message).join('\n');
  // Every round, whoever lost: the step ends done, no attempt counted, no lock conflict shown to the operator.
  assert.equal(after.state, 'done', `the step ran again at once: ${after.message ?? ''}\n${events}`);
  assert.equal(after.attempts, 0, 'no attempt counted');
  assert.doesNotMatch(events, /deadlock|could not serialize|lock/i, 'the operator sees no lock conflict');
  assert.equal(report.failedSteps, 0);
  return outcome;
}

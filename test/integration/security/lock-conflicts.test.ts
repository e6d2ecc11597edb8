// Lock conflicts are nobody's fault: a job step that loses a deadlock to
// another transaction (another runner, an agent event, the console) runs again
// at once. Before, it counted as a failed attempt: a 15 s back-off, and
// "Deadlock found when trying to get lock" shown to the operator as the status.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '../../support/databases.js';
import { openStore } from '../../../plugin/store/database.js';
import { upsertHost } from '../../../plugin/store/hosts.js';
import { createJob, getJob, jobEvents } from '../../../plugin/store/jobs.js';
import { configSchema } from '../../../plugin/config/index.js';
import { createPlatform } from '../../../plugin/platforms/index.js';
import { runnerOptions, tick } from '../../../plugin/jobs/index.js';
import { SILENT_LOG } from '../../../plugin/jobs/runner.js';

const HEAVY = {
  // Many rows written make this transaction the heavier one: the database sacrifices the runner's step.
  mysql: 'INSERT INTO lock_ballast SELECT seq FROM seq_1_to_5000',
  postgres: 'INSERT INTO lock_ballast SELECT generate_series(1, 5000)',
};
const WAITING = {
  mysql: "SELECT COUNT(*) AS n FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'",
  postgres: "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
};

for (const dialect of ['mysql', 'postgres'] as const) {
  describe(`lock conflicts on ${dialect}`, () => {
    test('a job step that loses a deadlock runs again at once and costs no attempt', { timeout: 60_000 }, async () => {
      const { store, database, dispose } = await openTestStore(dialect);
      const other = await openStore(database.url);
      try {
        const { id: hostId } = await upsertHost(store.db.manager, { name: 'victim', macs: ['52:54:00:cc:00:01'] });
        const job = await createJob(store.db.manager, { hostId, kind: 'localboot' }, 'operator', 'localboot');
        await other.db.query('CREATE TABLE lock_ballast (id INT PRIMARY KEY)');
        const config = configSchema.parse({ database: { url: database.url } });
        const options = { ...runnerOptions(config, store, createPlatform('standalone', store), SILENT_LOG), budgetMs: 20_000 };

        // Another transaction holds the machine's row; the step locks the job's row, then waits for the machine's.
        const rival = other.db.createQueryRunner();
        await rival.connect();
        await rival.startTransaction();
        await rival.query(HEAVY[dialect]);
        await rival.query(`UPDATE dploy_hosts SET name = 'victim' WHERE id = ${hostId}`);
        const ticked = tick(options);
        for (let waited = 0; Number((await other.db.query(WAITING[dialect]))[0].n) === 0; waited += 20) {
          assert.ok(waited < 15_000, 'the step never waited for the machine\'s row');
          await new Promise((r) => setTimeout(r, 20));
        }
        // Now the rival asks for the job's row: a deadlock, which the database ends by failing the step's transaction.
        await rival.query(`UPDATE dploy_jobs SET updated_at = updated_at WHERE id = ${job.id}`);
        await rival.commitTransaction();
        await rival.release();
        const report = await ticked;

        const after = await getJob(store.db.manager, job.id);
        const events = (await jobEvents(store.db.manager, job.id)).map((e) => e.message).join('\n');
        assert.equal(after.state, 'done', `the step ran again at once: ${after.message ?? ''}\n${events}`);
        assert.equal(after.attempts, 0, 'no attempt counted');
        assert.doesNotMatch(events, /deadlock|could not serialize|lock/i, 'the operator sees no lock conflict');
        assert.equal(report.failedSteps, 0);
      } finally {
        await other.close();
        await dispose();
      }
    });
  });
}

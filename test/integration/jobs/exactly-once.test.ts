// Several runners share one database: 3 `dploy runner --once` processes work
// through 1,000 jobs while one of them is killed with SIGKILL mid-way. Every
// job must end done, executed exactly once (one queued→done transition in its
// event log), and the dead runner's leased jobs must be taken over once its
// lease expires.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../plugin/store/database.js';
import { migrate } from '../../../plugin/store/migrate.js';
import { DPLOY_BIN, cleanEnv, runDploy } from '../../support/cli.js';
import { createTestDatabase } from '../../support/databases.js';
import { seedHostsWithTask } from '../../support/seed.js';

const JOBS = 1000;
const LEASE_SECONDS = 5;

for (const dialect of ['mysql', 'postgres'] as const) {
  test(`3 runners on ${dialect}, one killed mid-way: ${JOBS} jobs each executed exactly once`, { timeout: 240_000 }, async () => {
    const database = await createTestDatabase(dialect);
    const store = await openStore(database.url);
    try {
      await migrate(store.db, dialect);
      await seedHostsWithTask(store, JOBS, 'localboot');
      const cwd = mkdtempSync(join(tmpdir(), 'dploy-runners-'));
      const env = { ...cleanEnv(), DPLOY_DATABASE_URL: database.url, DPLOY_RUNNER_BATCH_SIZE: '10', DPLOY_RUNNER_LEASE_SECONDS: String(LEASE_SECONDS) };
      const start = () => spawn(process.execPath, [DPLOY_BIN, 'runner', '--once', '--json'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exitOf = (child: ReturnType<typeof start>) =>
        new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? -1 : code)));
      const count = async (sql: string, params: unknown[] = []) => Number((await store.db.query(sql, params))[0].n);
      const doneBy = (pid: number) =>
        count(`SELECT COUNT(*) AS n FROM dploy_job_events WHERE to_state = 'done' AND actor LIKE ${dialect === 'postgres' ? '$1' : '?'}`, [`runner:%:${pid}`]);
      const waitFor = async (what: () => Promise<boolean>, label: string) => {
        const deadline = Date.now() + 90_000;
        while (!(await what())) {
          if (Date.now() > deadline) assert.fail(`timed out waiting for ${label}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };

      // The victim starts alone and gets going; the other two join; once they
      // are working too, the victim is killed with jobs still left.
      const victim = start();
      const victimExit = exitOf(victim);
      await waitFor(async () => (await doneBy(victim.pid!)) >= 20, 'the victim to start working');
      const others = [start(), start()];
      const otherExits = others.map(exitOf);
      await waitFor(async () => (await doneBy(others[0]!.pid!)) > 0 && (await doneBy(others[1]!.pid!)) > 0, 'the other runners to start working');
      victim.kill('SIGKILL');
      const doneAtKill = await count(`SELECT COUNT(*) AS n FROM dploy_jobs WHERE state = 'done'`);
      assert.ok(doneAtKill < JOBS, `the victim died mid-way (${doneAtKill} of ${JOBS} done)`);
      assert.equal(await victimExit, -1, 'the victim was killed');
      assert.deepEqual(await Promise.all(otherExits), [0, 0], 'the two survivors finished cleanly');

      // What the victim held stays leased until its lease runs out; then one more tick takes it over.
      await new Promise((r) => setTimeout(r, LEASE_SECONDS * 1000 + 500));
      const takeover = await runDploy(['runner', '--once', '--json'], { cwd, env: { DPLOY_DATABASE_URL: database.url } });
      assert.equal(takeover.code, 0, takeover.stderr);

      const jobs: Array<{ state: string; n: number | string }> = await store.db.query('SELECT state, COUNT(*) AS n FROM dploy_jobs GROUP BY state');
      assert.deepEqual(
        jobs.map((r) => [r.state, Number(r.n)]),
        [['done', JOBS]],
        'one job per machine, all done',
      );
      const executions: Array<{ job_id: number; n: number | string }> = await store.db.query(
        `SELECT job_id, COUNT(*) AS n FROM dploy_job_events WHERE from_state = 'queued' AND to_state = 'done' GROUP BY job_id`,
      );
      assert.equal(executions.length, JOBS, 'every job executed');
      assert.deepEqual(
        executions.filter((r) => Number(r.n) !== 1),
        [],
        'no job executed twice',
      );
      const actors: Array<{ actor: string }> = await store.db.query(`SELECT DISTINCT actor FROM dploy_job_events WHERE to_state = 'done'`);
      assert.ok(actors.length >= 3, `work spread over the runners and the takeover (${actors.map((a) => a.actor).join(', ')})`);
      const tasksLeft = Number((await store.db.query('SELECT COUNT(*) AS n FROM dploy_hosts WHERE task IS NOT NULL'))[0].n);
      assert.equal(tasksLeft, 0, 'every task field cleared when its job ended');
    } finally {
      await store.close();
      await database.drop();
    }
  });
}

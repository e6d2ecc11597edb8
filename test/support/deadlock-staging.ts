// Staging a real deadlock between one of dploy's transactions and a rival,
// on MariaDB or PostgreSQL: the rival, made the heavier of the two, holds what
// dploy's transaction will ask for second; once that transaction is seen
// waiting for it, the rival asks for what dploy's holds first. The database
// ends the deadlock by failing one of the two, and which one is the round's
// outcome: only a round dploy lost shows anything, the others are replayed.

import type { Store } from '../../plugin/store/database.js';
import { isLockConflict } from '../../plugin/store/database-errors.js';

/** How a round went: dploy's transaction lost the deadlock (what is tested), or the staging came to nothing. */
export type Round = 'dploy-lost' | 'never-waited' | 'rival-lost';

export interface Staging {
  /** The rival's lock on what dploy's transaction asks for second. */
  hold: string;
  /** dploy's statement once it waits for that lock: a LIKE pattern naming this round's rows where its text has them. */
  waiting: string;
  /** The rival's request for what dploy's transaction holds first. */
  close: string;
}

const HEAVY = {
  // Many rows written make the rival the heavier transaction: MariaDB sacrifices the lighter one (PostgreSQL
  // the one whose deadlock_timeout ends first, dploy's, which waited first).
  mysql: 'INSERT INTO lock_ballast SELECT seq FROM seq_1_to_5000',
  postgres: 'INSERT INTO lock_ballast SELECT generate_series(1, 5000)',
};
// In this test's database only: the server is shared, and another suite's lock waits counted here would call a
// round staged when dploy's transaction never waited.
const WAITING = {
  mysql:
    'SELECT COUNT(*) AS n FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id ' +
    "WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE() AND t.trx_query LIKE ?",
  postgres: "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND query LIKE $1",
};
// MariaDB's information_schema.innodb_trx is a copy of the lock table, made again only when nobody read it for
// 100 ms: read every 20 ms (as lock-conflicts once did), it never showed the step waiting. Reads 150 ms apart see
// it; a stale copy can only be older, and the pattern names the round's rows, so it never shows a past round.
const POLL_MS = 150;
/** A round where dploy's transaction is not seen waiting by then is given up (and played again). */
const STAGING_MS = 5_000;

/**
 * Holds `staging.hold` in a rival transaction on `other` (a second store on the same database), starts `run`,
 * closes the deadlock once `staging.waiting` is seen, and returns how the round went with what `run` gave.
 */
export async function stageDeadlock<T>(
  dialect: 'mysql' | 'postgres',
  other: Store,
  staging: Staging,
  run: () => Promise<T>,
): Promise<{ round: Round; result: T }> {
  await other.db.query('CREATE TABLE IF NOT EXISTS lock_ballast (id INT PRIMARY KEY)');
  await other.db.query('DELETE FROM lock_ballast');
  const rival = other.db.createQueryRunner();
  await rival.connect();
  await rival.startTransaction();
  await rival.query(HEAVY[dialect]);
  await rival.query(staging.hold);
  const running = run();
  // Awaited below, after the rival ends: marked handled so that an early failure is reported there, not as unhandled.
  running.catch(() => undefined);
  let round: Round = 'dploy-lost';
  try {
    let waited = 0;
    while (Number((await other.db.query(WAITING[dialect], [staging.waiting]))[0].n) === 0 && waited < STAGING_MS) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      waited += POLL_MS;
    }
    if (waited >= STAGING_MS) round = 'never-waited';
    else {
      // dploy's transaction holds what `close` asks for and waits for what the rival holds: a deadlock.
      try {
        await rival.query(staging.close);
      } catch (err) {
        if (!isLockConflict(err)) throw err;
        round = 'rival-lost';
      }
    }
  } finally {
    // Whatever happened, the rival ends and `run` is awaited before the next round or the cleanup.
    if (round === 'dploy-lost') await rival.commitTransaction();
    else await rival.rollbackTransaction().catch(() => undefined);
    await rival.release();
  }
  return { round, result: await running };
}

/** Plays rounds until dploy's transaction lost one (four at most), and says how each went. */
export async function untilDployLost(play: (round: number) => Promise<Round>): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let round = 1; round <= 4 && !rounds.includes('dploy-lost'); round++) rounds.push(await play(round));
  return rounds;
}

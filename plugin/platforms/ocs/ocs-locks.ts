// OCS's write lock: a row in `locks` per computer being written
// (Apache::Ocsinventory::Server::System::_lock). dploy takes it inside its
// own transaction (the writer's batch deletes the row again before the
// commit), so a communication server that tries to write the same
// computer meanwhile waits on the row and goes on after dploy's commit, and
// a lock a dead server left behind is taken over after LOCK_REUSE_TIME, as
// the server itself does.
//
// `locks` is a MEMORY table: it ignores ROLLBACK, and a multi-row INSERT that
// fails on a held row keeps the rows before it. Whoever takes locks in a
// batch that may fail drops its own rows again afterwards (dropOwnLocks).

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';

const DEFAULT_REUSE_SECONDS = 600;

export async function lockComputer(tx: EntityManager, hardwareId: number): Promise<void> {
  try {
    await tx.query('INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES (?, ?, NOW())', [hardwareId, process.pid]);
    return;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // OCS's server holds the row uncommitted while it writes: we waited innodb_lock_wait_timeout for it.
    if (code === 'ER_LOCK_WAIT_TIMEOUT') throw busy(hardwareId, 'its row in table locks stayed locked by another writer');
    if (code !== 'ER_DUP_ENTRY') throw err;
  }
  const [config] = (await tx.query("SELECT IVALUE AS seconds FROM config WHERE NAME = 'LOCK_REUSE_TIME'")) as Array<{ seconds: number | null }>;
  const reuse = Number(config?.seconds ?? DEFAULT_REUSE_SECONDS) || DEFAULT_REUSE_SECONDS;
  const taken = (await tx.query('UPDATE locks SET ID = ?, SINCE = NOW() WHERE HARDWARE_ID = ? AND TIMESTAMPDIFF(SECOND, SINCE, NOW()) > ?', [
    process.pid,
    hardwareId,
    reuse,
  ])) as { affectedRows?: number };
  if (!taken.affectedRows) throw busy(hardwareId, `its row in table locks is younger than LOCK_REUSE_TIME ${reuse} s`);
}

/** The lock rows of a group's known computers, taken in one statement inside its batch: one held by another writer fails the batch (ER_DUP_ENTRY). */
export function takeLocksStatement(hardwareIds: readonly number[]): { sql: string; params: number[] } {
  return {
    sql: `INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES ${hardwareIds.map(() => '(?, ?, NOW())').join(', ')}`,
    params: hardwareIds.flatMap((id) => [id, process.pid]),
  };
}

export function releaseLocksStatement(hardwareIds: readonly number[]): { sql: string; params: number[] } {
  return { sql: `DELETE FROM locks WHERE HARDWARE_ID IN (${hardwareIds.map(() => '?').join(', ')})`, params: [...hardwareIds] };
}

/** After a failed write: the lock rows dploy took for these computers, which the rollback left. */
export async function dropOwnLocks(tx: EntityManager, hardwareIds: readonly number[]): Promise<void> {
  if (hardwareIds.length === 0) return;
  await tx.query(`DELETE FROM locks WHERE ID = ? AND HARDWARE_ID IN (${hardwareIds.map(() => '?').join(', ')})`, [process.pid, ...hardwareIds]);
}

function busy(hardwareId: number, why: string): DployError {
  return new DployError('DPLOY_ERR_MACHINE_LOCKED', `OCS is writing computer ${hardwareId} right now (${why}); nothing was recorded, post the inventory again`);
}

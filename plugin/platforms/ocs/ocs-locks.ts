// OCS's write lock: a row in `locks` per computer being written
// (Apache::Ocsinventory::Server::System::_lock). dploy takes it inside its
// own transaction (the writer's batch deletes the row again before the
// commit), so a communication server that tries to write the same
// computer meanwhile waits on the row and goes on after dploy's commit, and
// a lock a dead server left behind is taken over after LOCK_REUSE_TIME, as
// the server itself does.

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
  const [config] = await tx.query("SELECT IVALUE AS seconds FROM config WHERE NAME = 'LOCK_REUSE_TIME'") as Array<{ seconds: number | null }>;
  const reuse = Number(config?.seconds ?? DEFAULT_REUSE_SECONDS) || DEFAULT_REUSE_SECONDS;
  const taken = await tx.query(
    'UPDATE locks SET ID = ?, SINCE = NOW() WHERE HARDWARE_ID = ? AND TIMESTAMPDIFF(SECOND, SINCE, NOW()) > ?',
    [process.pid, hardwareId, reuse],
  ) as { affectedRows?: number };
  if (!taken.affectedRows) throw busy(hardwareId, `its row in table locks is younger than LOCK_REUSE_TIME ${reuse} s`);
}

function busy(hardwareId: number, why: string): DployError {
  return new DployError('DPLOY_ERR_CONFLICT', `OCS is writing computer ${hardwareId} right now (${why}); nothing was recorded, post the inventory again`);
}

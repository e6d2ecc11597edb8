// Opening the store for a command or the server: the embedded SQLite default
// is migrated on the spot (it is dploy's own file, nothing to review); a
// shared MariaDB/PostgreSQL/OCS database is only changed by `dploy migrate`.

import { DployError } from '../errors.js';
import { openStore, type Store } from './database.js';
import { migrate, pendingMigrations } from './migrate.js';

/**
 * `check` runs first: the host tool's own test of the database (an OCS
 * database that is not OCS at all must say so, not ask for a migrate that
 * would refuse it).
 */
export async function openMigratedStore(url: string, check?: (store: Store) => Promise<void>): Promise<Store> {
  const store = await openStore(url);
  try {
    if (check) await check(store);
    if (store.target.dialect === 'sqlite') {
      await migrate(store.db, 'sqlite');
    } else {
      const pending = await pendingMigrations(store.db, store.target.dialect);
      if (pending.length > 0) {
        throw new DployError(
          'DPLOY_ERR_MIGRATION',
          `database ${store.target.display} lacks ${pending.length} migration(s) (${pending.map((m) => m.name).join(', ')}): run "dploy migrate" first`,
        );
      }
    }
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

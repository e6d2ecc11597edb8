// Is this database an OCS Inventory NG one dploy was tested with? Asked before
// dploy creates anything in it (dploy migrate) and when the service starts:
// writing OCS's tables with the wrong idea of their shape would corrupt what
// the operator sees, so an unknown schema is refused, not guessed at.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';

/**
 * GUI_VERSION values whose tables dploy's OCS tests ran against (Debian 12's
 * ocsinventory-reports 2.11.1 brings the schema to 7069). A newer console
 * gets a clear refusal until someone runs the tests against it.
 */
export const TESTED_GUI_VERSIONS: readonly string[] = ['7069'];

const OCS_TABLES = ['hardware', 'accountinfo', 'accountinfo_config', 'config', 'bios', 'cpus', 'memories', 'storages', 'networks', 'locks'];

export async function checkOcsDatabase(db: EntityManager): Promise<{ guiVersion: string }> {
  const [{ name: schema } = { name: '?' }] = await db.query('SELECT DATABASE() AS name') as Array<{ name: string }>;
  const present = (await db.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${OCS_TABLES.map(() => '?').join(', ')})`,
    OCS_TABLES,
  ) as Array<{ name: string }>).map((r) => r.name.toLowerCase());
  const missing = OCS_TABLES.filter((t) => !present.includes(t));
  if (missing.length > 0) {
    throw new DployError('DPLOY_ERR_PLATFORM', `database "${schema}" is not an OCS Inventory NG database (no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}); point database.url at OCS's database (usually ocsweb), installed by the OCS console's install.php`);
  }
  const [row] = await db.query("SELECT TVALUE AS version FROM config WHERE NAME = 'GUI_VERSION'") as Array<{ version: string | null }>;
  const guiVersion = row?.version ?? '';
  if (!TESTED_GUI_VERSIONS.includes(guiVersion)) {
    throw new DployError('DPLOY_ERR_PLATFORM', `OCS database "${schema}" has schema GUI_VERSION ${guiVersion || '(none)'}; this dploy was tested with ${TESTED_GUI_VERSIONS.join(', ')} only, and will not write OCS tables it does not know (finish the console's update.php, or use a dploy release tested with your OCS)`);
  }
  return { guiVersion };
}

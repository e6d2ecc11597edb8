// Is this database an OCS Inventory NG one dploy can write? Asked before
// dploy creates anything in it (dploy migrate) and when the service starts.
// Two questions: is its schema version (config.GUI_VERSION) within the range
// dploy knows, and do its tables have what dploy needs (ocs-schema.ts). The
// version alone is not trusted: a site may have altered its tables, so the
// columns are checked on every version, and only they decide what is written.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import { readOcsSchema, type OcsWriteColumns } from './ocs-schema.js';

/**
 * The schema versions dploy knows (docs/ocs.md): 7039 is what the console's
 * install SQL creates (files/ocsbase_new.sql, before update.php), 7069 is
 * Debian 12's ocsinventory-reports 2.11.1, 7082 the last update upstream
 * publishes for 2.12 (files/update/7082.sql).
 */
export const OLDEST_KNOWN_GUI_VERSION = 7039;
export const NEWEST_KNOWN_GUI_VERSION = 7082;

export interface OcsSchemaOptions {
  /** Accept a GUI_VERSION newer than the newest dploy knows (ocs.acceptNewerSchema); its tables are still checked. */
  acceptNewerSchema?: boolean;
}

export interface OcsDatabase {
  guiVersion: string;
  /** The columns dploy writes in each computer table of this database. */
  columns: OcsWriteColumns;
}

const OCS_TABLES = ['hardware', 'accountinfo', 'accountinfo_config', 'config', 'bios', 'cpus', 'memories', 'storages', 'networks', 'locks'];

export async function checkOcsDatabase(db: EntityManager, options: OcsSchemaOptions = {}): Promise<OcsDatabase> {
  const [{ name: schema } = { name: '?' }] = (await db.query('SELECT DATABASE() AS name')) as Array<{ name: string }>;
  const present = (
    (await db.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${OCS_TABLES.map(() => '?').join(', ')})`,
      OCS_TABLES,
    )) as Array<{ name: string }>
  ).map((r) => r.name.toLowerCase());
  const missing = OCS_TABLES.filter((t) => !present.includes(t));
  if (missing.length > 0) {
    throw new DployError(
      'DPLOY_ERR_PLATFORM',
      `database "${schema}" is not an OCS Inventory NG database (no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}); point database.url at OCS's database (usually ocsweb), installed by the OCS console's install.php`,
    );
  }
  const [row] = (await db.query("SELECT TVALUE AS version FROM config WHERE NAME = 'GUI_VERSION'")) as Array<{ version: string | null }>;
  const guiVersion = row?.version ?? '';
  checkVersion(schema, guiVersion, options);
  return { guiVersion, columns: await readOcsSchema(db, schema) };
}

function checkVersion(schema: string, guiVersion: string, options: OcsSchemaOptions): void {
  const found = `OCS database "${schema}" has schema GUI_VERSION ${guiVersion || '(none)'}`;
  const version = /^\d+$/.test(guiVersion) ? Number(guiVersion) : NaN;
  if (Number.isNaN(version) || version < OLDEST_KNOWN_GUI_VERSION) {
    throw new DployError(
      'DPLOY_ERR_PLATFORM',
      `${found}; dploy knows ${OLDEST_KNOWN_GUI_VERSION} through ${NEWEST_KNOWN_GUI_VERSION}: finish OCS's install (the console's install.php and update.php) first`,
    );
  }
  if (version > NEWEST_KNOWN_GUI_VERSION && !options.acceptNewerSchema) {
    throw new DployError(
      'DPLOY_ERR_PLATFORM',
      `${found}, newer than ${NEWEST_KNOWN_GUI_VERSION}, the newest this dploy knows; nothing was written. Use a dploy release that knows it, or accept the risk with ocs.acceptNewerSchema: true (DPLOY_OCS_ACCEPT_NEWER_SCHEMA=true): dploy then still checks every column it writes (docs/ocs.md)`,
    );
  }
}

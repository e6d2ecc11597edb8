// Registering dploy in OCS the way the console's own "Administrative data"
// page would (ocsreports require/admininfo/Admininfo.php): a tab, four
// fields (accountinfo_config row + accountinfo.fields_<ID> column), the
// select values in config, plus one index so the runner's poll stays one
// indexed query. Every step is computed from what is there, so a second run
// plans nothing and a run cut off half-way (MariaDB commits each ALTER on
// its own) is finished by the next one.

import type { EntityManager } from 'typeorm';
import { FIELD, FIELD_TYPE, TAB_LABEL, TASK_VALUES, findAdminFields, selectValues } from './admin-fields.js';
import type { Step } from './registration-step.js';
import { serverCompatSteps } from './server-compat.js';

const FIELDS = [
  { name: FIELD.task, type: FIELD_TYPE.select, label: 'dploy task' },
  { name: FIELD.profile, type: FIELD_TYPE.select, label: 'dploy profile or image' },
  { name: FIELD.status, type: FIELD_TYPE.text, label: 'dploy status' },
  // No values: a super administrator adds the command lines on OCS's administrative data page.
  { name: FIELD.command, type: FIELD_TYPE.select, label: 'dploy command (for the command task)' },
] as const;
const TASK_INDEX = 'dploy_task';

/** The steps that bring OCS to dploy's registration; empty when it is complete. */
export async function planRegistration(db: EntityManager, profiles: readonly string[]): Promise<Step[]> {
  const steps: Step[] = [];
  const tab = await dployTab(db);
  const tabId = tab ?? (await nextNumber(db, "SELECT MAX(IVALUE) AS n FROM config WHERE NAME LIKE 'TAB\\_ACCOUNTAG\\_%'"));
  if (tab === undefined) {
    steps.push({
      summary: `add the "${TAB_LABEL}" tab to administrative data`,
      sql: 'INSERT INTO config (NAME, IVALUE, TVALUE) VALUES (?, ?, ?)',
      params: [`TAB_ACCOUNTAG_${tabId}`, tabId, TAB_LABEL],
    });
  }
  const rows = (await db.query("SELECT ID, NAME FROM accountinfo_config WHERE ACCOUNT_TYPE = 'COMPUTERS'")) as Array<{ ID: number; NAME: string }>;
  const columns = new Set(
    (
      (await db.query("SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accountinfo'")) as Array<{
        name: string;
      }>
    ).map((c) => c.name.toLowerCase()),
  );
  let nextId = await nextNumber(db, 'SELECT MAX(ID) AS n FROM accountinfo_config');
  let nextOrder = await nextNumber(db, 'SELECT MAX(SHOW_ORDER) AS n FROM accountinfo_config');
  const ids = new Map<string, number>();
  for (const field of FIELDS) {
    let id = rows.find((r) => r.NAME === field.name)?.ID;
    if (id === undefined) {
      id = nextId++;
      steps.push({
        summary: `add administrative data ${field.name} (${field.type === FIELD_TYPE.select ? 'select' : 'text'}) as accountinfo.fields_${id}`,
        sql: 'INSERT INTO accountinfo_config (ID, TYPE, NAME, ID_TAB, COMMENT, SHOW_ORDER, ACCOUNT_TYPE, DEFAULT_VALUE) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        params: [id, field.type, field.name, tabId, field.label, nextOrder++, 'COMPUTERS', ''],
      });
    }
    ids.set(field.name, Number(id));
    if (!columns.has(`fields_${id}`))
      steps.push({
        summary: `add column accountinfo.fields_${id}`,
        sql: `ALTER TABLE accountinfo ADD COLUMN fields_${Number(id)} VARCHAR(255) DEFAULT NULL`,
        params: [],
      });
  }
  const indexed = (await db.query(
    "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accountinfo' AND INDEX_NAME = ?",
    [TASK_INDEX],
  )) as unknown[];
  if (indexed.length === 0) {
    steps.push({
      summary: 'index the task field (the runner polls it every tick)',
      sql: `ALTER TABLE accountinfo ADD INDEX ${TASK_INDEX} (fields_${ids.get(FIELD.task)})`,
      params: [],
    });
  }
  const values = await selectValues(db);
  steps.push(...valueSteps(FIELD.task, TASK_VALUES, values.get(FIELD.task) ?? new Map()));
  steps.push(...valueSteps(FIELD.profile, profiles, values.get(FIELD.profile) ?? new Map()));
  steps.push(...(await serverCompatSteps(db)));
  return steps;
}

/** Select values a field lacks, numbered after its highest one (numbers already stored in accountinfo never move). */
function valueSteps(field: string, labels: readonly string[], have: Map<number, string>): Step[] {
  const known = new Set(have.values());
  let next = Math.max(0, ...have.keys()) + 1;
  return labels
    .filter((l) => !known.has(l))
    .map((label) => {
      const n = next++;
      return {
        summary: `add value "${label}" to ${field}`,
        sql: 'INSERT INTO config (NAME, IVALUE, TVALUE) VALUES (?, ?, ?)',
        params: [`ACCOUNT_VALUE_${field}_${n}`, n, label],
      };
    });
}

export async function applySteps(db: EntityManager, steps: readonly Step[]): Promise<void> {
  for (const step of steps) await db.query(step.sql, [...step.params]);
}

/**
 * The values the console offers, kept in step with dploy's profiles and with
 * the task values this dploy knows (a newer dploy's "cancel" appears without a
 * migrate); values are only ever added.
 */
export async function syncSelectValues(db: EntityManager, profiles: readonly string[]): Promise<number> {
  const fields = await findAdminFields(db);
  if (!fields) return 0;
  const steps = [...valueSteps(FIELD.task, TASK_VALUES, fields.taskValues), ...valueSteps(FIELD.profile, profiles, fields.profileValues)];
  await applySteps(db, steps);
  return steps.length;
}

/** A step as a DBA reads it: the statement with its values in place. */
export function stepSql(step: Step): string {
  let i = 0;
  return step.sql.replace(/\?/g, () => {
    const v = step.params[i++];
    return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
}

async function dployTab(db: EntityManager): Promise<number | undefined> {
  const [row] = (await db.query("SELECT IVALUE AS n FROM config WHERE NAME LIKE 'TAB\\_ACCOUNTAG\\_%' AND TVALUE = ?", [TAB_LABEL])) as Array<{ n: number }>;
  return row ? Number(row.n) : undefined;
}

async function nextNumber(db: EntityManager, sql: string): Promise<number> {
  const [row] = (await db.query(sql)) as Array<{ n: number | null }>;
  return Number(row?.n ?? 0) + 1;
}

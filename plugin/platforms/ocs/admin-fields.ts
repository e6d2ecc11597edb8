// dploy's administrative-data fields in OCS (the console's "Administrative
// data", table accountinfo_config). Each field is a column accountinfo.fields_<ID>;
// a select field stores the number of its value, the values themselves live in
// config as ACCOUNT_VALUE_<FIELD>_<n> (IVALUE n, TVALUE the label), exactly as
// ocsreports' require/admininfo/Admininfo.php writes them.
//
// Field names: the console only accepts [0-9A-Za-z] for a new field
// (Admininfo::add_accountinfo), so dploy's are DPLOYTASK, DPLOYPROFILE,
// DPLOYSTATUS and DPLOYCOMMAND (docs/decisions.md): the console can edit them like its own.
//
// DPLOYCOMMAND is a select field whose values are the command lines a
// `command` task runs: adding a value takes OCS's ACCOUNTINFO right (the
// administrative data page, super administrators only in OCS's shipped
// profiles), choosing one for a computer takes CHANGE_ACCOUNTINFO. So only
// the operators OCS itself allows to write commands can, and others can only
// pick among them (docs/ocs.md).

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import { CANCEL, isTaskKind, TASK_KINDS, type TaskValue } from '../../model/task.js';

export const FIELD = { task: 'DPLOYTASK', profile: 'DPLOYPROFILE', status: 'DPLOYSTATUS', command: 'DPLOYCOMMAND' } as const;
export const TAB_LABEL = 'dploy';
/** accountinfo_config.TYPE: 0 text (VARCHAR(255)), 2 select (VARCHAR(255) holding the value's number). */
export const FIELD_TYPE = { text: 0, select: 2 } as const;
/** The task values in the order dploy registers them; "none" is what a finished job leaves, "cancel" ends a running one. */
export const TASK_VALUES: readonly string[] = ['none', ...TASK_KINDS, CANCEL];

export interface AdminFields {
  /** Column names in accountinfo, e.g. fields_3. */
  taskColumn: string;
  profileColumn: string;
  statusColumn: string;
  /** Absent where OCS was registered by a dploy before DPLOYCOMMAND: a `command` task then says to run migrate. */
  commandColumn?: string;
  /** Select value number -> label, per select field. */
  taskValues: Map<number, string>;
  profileValues: Map<number, string>;
  /** The command lines the operators allowed to may choose from. */
  commandValues: Map<number, string>;
}

interface FieldRow {
  ID: number;
  NAME: string;
}
interface ValueRow {
  NAME: string;
  IVALUE: number | null;
  TVALUE: string | null;
}

/** The registered fields, or undefined when dploy migrate has not run. */
export async function findAdminFields(db: EntityManager): Promise<AdminFields | undefined> {
  const fields = (await db.query("SELECT ID, NAME FROM accountinfo_config WHERE ACCOUNT_TYPE = 'COMPUTERS' AND NAME IN (?, ?, ?, ?)", [
    FIELD.task,
    FIELD.profile,
    FIELD.status,
    FIELD.command,
  ])) as FieldRow[];
  const id = (name: string) => fields.find((f) => f.NAME === name)?.ID;
  const [task, profile, status, command] = [id(FIELD.task), id(FIELD.profile), id(FIELD.status), id(FIELD.command)];
  if (task === undefined || profile === undefined || status === undefined) return undefined;
  const values = await selectValues(db);
  return {
    taskColumn: `fields_${Number(task)}`,
    profileColumn: `fields_${Number(profile)}`,
    statusColumn: `fields_${Number(status)}`,
    ...(command === undefined ? {} : { commandColumn: `fields_${Number(command)}` }),
    taskValues: values.get(FIELD.task) ?? new Map(),
    profileValues: values.get(FIELD.profile) ?? new Map(),
    commandValues: values.get(FIELD.command) ?? new Map(),
  };
}

export async function requireAdminFields(db: EntityManager): Promise<AdminFields> {
  const fields = await findAdminFields(db);
  if (!fields)
    throw new DployError(
      'DPLOY_ERR_MIGRATION',
      `OCS has no ${FIELD.task}/${FIELD.profile}/${FIELD.status} administrative data: run "dploy migrate" with platform ocs first`,
    );
  return fields;
}

/** ACCOUNT_VALUE_<FIELD>_<n> rows of dploy's select fields, by field. */
export async function selectValues(db: EntityManager): Promise<Map<string, Map<number, string>>> {
  const rows = (await db.query("SELECT NAME, IVALUE, TVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOY%'")) as ValueRow[];
  const byField = new Map<string, Map<number, string>>();
  for (const field of [FIELD.task, FIELD.profile, FIELD.command]) {
    const prefix = `ACCOUNT_VALUE_${field}_`;
    const values = new Map<number, string>();
    for (const row of rows) {
      if (row.NAME.startsWith(prefix) && /^\d+$/.test(row.NAME.slice(prefix.length)) && row.IVALUE !== null && row.TVALUE !== null)
        values.set(Number(row.IVALUE), row.TVALUE);
    }
    byField.set(field, values);
  }
  return byField;
}

/** The number a select field stores for a label. */
export function valueNumber(values: Map<number, string>, label: string): number | undefined {
  for (const [n, l] of values) if (l === label) return n;
  return undefined;
}

/** The task a stored accountinfo value means, or undefined for none/unknown. */
export function taskOf(fields: AdminFields, stored: string | number | null): TaskValue | undefined {
  if (stored === null || stored === '') return undefined;
  const label = fields.taskValues.get(Number(stored));
  return label && (isTaskKind(label) || label === CANCEL) ? label : undefined;
}

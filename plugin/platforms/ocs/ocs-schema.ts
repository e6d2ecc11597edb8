// OCS's tables as this database has them, read once when dploy starts (one
// information_schema query) and checked against what dploy expects
// (ocs-columns.ts): a needed column missing, any column dploy writes with a
// type its values cannot go into, or a column dploy does not know that
// refuses to be left out (NOT NULL without a default) is refused here, named,
// before anything is written. What passes is the list of columns to write per
// table, fixed for the life of the process, so every write has the same SQL
// shape (prepared statements are cached by shape: store/discovery/prepared-shapes.ts).

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import { COMPUTER_TABLES, OCS_TABLE_NEEDS, type ColumnKind, type ColumnNeed, type ComputerTable } from './ocs-columns.js';

interface ColumnRow {
  t: string;
  c: string;
  type: string;
  width: number | null;
  nullable: string;
  fallback: string | null;
  extra: string;
}

/** Per computer table, the columns dploy writes, in the order it writes them. */
export type OcsWriteColumns = Readonly<Record<ComputerTable, readonly string[]>>;

const TYPES: Record<ColumnKind, readonly string[]> = {
  text: ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'],
  int: ['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'],
  datetime: ['datetime', 'timestamp'],
};
/** Keys, not values: hardware.ID is OCS's AUTO_INCREMENT, HARDWARE_ID the writer's session variable or ID. */
const KEYS = new Set(['ID', 'HARDWARE_ID']);

export async function readOcsSchema(db: EntityManager, schema: string): Promise<OcsWriteColumns> {
  const tables = Object.keys(OCS_TABLE_NEEDS);
  const rows = (await db.query(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS width, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS fallback, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`,
    tables,
  )) as ColumnRow[];
  const byTable = new Map<string, Map<string, ColumnRow>>();
  for (const row of rows) {
    const table = row.t.toLowerCase();
    if (!byTable.has(table)) byTable.set(table, new Map());
    byTable.get(table)!.set(row.c.toUpperCase(), row);
  }
  const problems = tables.flatMap((table) => tableProblems(table, byTable.get(table) ?? new Map()));
  if (problems.length > 0) {
    throw new DployError(
      'DPLOY_ERR_PLATFORM',
      `OCS database "${schema}" has tables dploy cannot write safely: ${problems.join('; ')}. Nothing was written; bring the schema back to OCS's own (the console's update.php), or report it to dploy with the OCS version`,
    );
  }
  return Object.fromEntries(
    (Object.keys(COMPUTER_TABLES) as ComputerTable[]).map((table) => {
      const { needed, filled } = COMPUTER_TABLES[table];
      const present = byTable.get(table)!;
      return [table, [...Object.keys(needed), ...Object.keys(filled)].filter((c) => present.has(c) && !KEYS.has(c))];
    }),
  ) as unknown as OcsWriteColumns;
}

function tableProblems(table: string, present: Map<string, ColumnRow>): string[] {
  const { needed, filled } = OCS_TABLE_NEEDS[table]!;
  const problems: string[] = [];
  for (const [name, need] of Object.entries(needed)) {
    const column = present.get(name);
    if (!column) problems.push(`column ${table}.${name} is missing`);
    else problems.push(...typeProblem(table, column, need));
  }
  for (const [name, need] of Object.entries(filled)) {
    const column = present.get(name);
    if (column) problems.push(...typeProblem(table, column, need));
  }
  // A column dploy leaves out must take OCS's default; one without any would refuse every row dploy inserts.
  if (table in COMPUTER_TABLES) {
    for (const [name, column] of present) {
      if (name in needed || name in filled) continue;
      if (column.nullable === 'NO' && column.fallback === null && !/auto_increment/i.test(column.extra))
        problems.push(`column ${table}.${name} (${column.type}) is NOT NULL without a default, and dploy does not know what to write there`);
    }
  }
  return problems;
}

function typeProblem(table: string, column: ColumnRow, need: ColumnNeed): string[] {
  const type = column.type.toLowerCase();
  if (!TYPES[need.kind].includes(type))
    return [
      `column ${table}.${column.c} is ${type}, dploy writes ${need.kind === 'int' ? 'a number' : need.kind === 'text' ? 'text' : 'a date and time'} there`,
    ];
  const isText = TYPES.text.includes(type);
  if (need.width !== undefined && isText && column.width !== null && Number(column.width) < need.width) {
    return [`column ${table}.${column.c} is ${type}(${column.width}), dploy writes up to ${need.width} characters there`];
  }
  return [];
}

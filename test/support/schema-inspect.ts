// Reads a table's columns from the database itself (information_schema or
// PRAGMA) and from typeorm's entity metadata, in one canonical form, so the
// drift test can compare them.

import type { DataSource } from 'typeorm';
import type { Dialect } from '../../plugin/store/dialect.js';

export interface CanonicalColumn {
  name: string;
  type: string;
  nullable: boolean;
  primary: boolean;
  generated: boolean;
  default: string | null;
}

export async function columnsInDatabase(db: DataSource, dialect: Dialect, table: string): Promise<CanonicalColumn[]> {
  if (dialect === 'sqlite') {
    const rows: Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }> = await db.query(`PRAGMA table_info(${table})`);
    const sql: Array<{ sql: string }> = await db.query(`SELECT sql FROM sqlite_master WHERE name = ?`, [table]);
    const autoincrement = /AUTOINCREMENT/i.test(sql[0]?.sql ?? '');
    return rows.map((r) => ({
      name: r.name,
      type: sqliteType(r.type),
      nullable: r.notnull === 0 && r.pk === 0,
      primary: r.pk > 0,
      generated: autoincrement && r.pk > 0 && /^INTEGER$/i.test(r.type),
      default: normaliseDefault(r.dflt_value),
    }));
  }
  if (dialect === 'mysql') {
    const rows: Array<Record<string, unknown>> = await db.query(
      `SELECT COLUMN_NAME n, DATA_TYPE t, CHARACTER_MAXIMUM_LENGTH l, DATETIME_PRECISION p, IS_NULLABLE nl, COLUMN_KEY k, EXTRA e, COLUMN_DEFAULT d
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [table],
    );
    return rows.map((r) => ({
      name: String(r.n),
      type: canonicalType(String(r.t), r.l as number | null, r.p as number | null),
      nullable: r.nl === 'YES',
      primary: r.k === 'PRI',
      generated: String(r.e).includes('auto_increment'),
      default: normaliseDefault(r.d as string | null),
    }));
  }
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT c.column_name n, c.data_type t, c.character_maximum_length l, c.datetime_precision p, c.is_nullable nl, c.column_default d,
            EXISTS (SELECT 1 FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage k
                    ON k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
                    WHERE tc.table_name = c.table_name AND tc.constraint_type = 'PRIMARY KEY' AND k.column_name = c.column_name) pk
     FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name = $1 ORDER BY c.ordinal_position`,
    [table],
  );
  return rows.map((r) => ({
    name: String(r.n),
    type: canonicalType(String(r.t), r.l as number | null, r.p as number | null),
    nullable: r.nl === 'YES',
    primary: r.pk === true,
    generated: String(r.d ?? '').startsWith('nextval('),
    default: String(r.d ?? '').startsWith('nextval(') ? null : normaliseDefault(r.d as string | null),
  }));
}

export function columnsInEntity(db: DataSource, dialect: Dialect, table: string): CanonicalColumn[] {
  const meta = db.entityMetadatas.find((m) => m.tableName === table);
  if (!meta) throw new Error(`no typeorm entity for table ${table}`);
  return meta.columns.map((c) => ({
    name: c.databaseName,
    type:
      dialect === 'sqlite'
        ? sqliteType(`${String(c.type)}${c.length ? `(${c.length})` : ''}`)
        : canonicalType(String(c.type), c.length ? Number(c.length) : null, c.precision ?? null),
    nullable: c.isNullable,
    primary: c.isPrimary,
    generated: c.isGenerated,
    default: c.default === undefined ? null : String(c.default),
  }));
}

const TYPE_WORDS: Record<string, string> = {
  int: 'int',
  integer: 'int',
  bigint: 'bigint',
  varchar: 'varchar',
  'character varying': 'varchar',
  char: 'char',
  character: 'char',
  text: 'text',
  mediumblob: 'blob',
  bytea: 'blob',
  blob: 'blob',
  datetime: 'datetime',
  timestamptz: 'datetime',
  'timestamp with time zone': 'datetime',
};

function canonicalType(type: string, length: number | null, precision: number | null): string {
  const word = TYPE_WORDS[type.toLowerCase()] ?? `?${type}`;
  if (word === 'varchar' || word === 'char') return `${word}(${length ?? '?'})`;
  if (word === 'datetime') return `datetime(${precision ?? 0})`;
  return word;
}

function sqliteType(declared: string): string {
  const m = /^([a-z ]+?)\s*(?:\((\d+)\))?$/i.exec(declared.trim());
  const word = TYPE_WORDS[(m?.[1] ?? declared).toLowerCase()] ?? `?${declared}`;
  if (word === 'varchar' || word === 'char') return `${word}(${m?.[2] ?? '?'})`;
  return word;
}

function normaliseDefault(value: string | null): string | null {
  if (value === null || value === 'NULL') return null;
  return value.replace(/::[a-z ]+$/i, '').replace(/^'(.*)'$/, '$1');
}

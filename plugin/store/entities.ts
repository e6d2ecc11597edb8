// typeorm entities built from tables.ts for one dialect. EntitySchema rather
// than decorators: explicit column types work under tsx and tsc alike, and
// one description serves the three databases (only the type names differ).

import { EntitySchema, type EntitySchemaColumnOptions } from 'typeorm';
import type { Dialect } from './dialect.js';
import { TABLES, type ColumnSpec, type ColumnType } from './tables.js';

const TYPE_NAMES: Record<Dialect, Record<ColumnType, string>> = {
  sqlite: { int: 'integer', bigint: 'bigint', varchar: 'varchar', char: 'character', text: 'text', blob: 'blob', datetime: 'datetime' },
  mysql: { int: 'int', bigint: 'bigint', varchar: 'varchar', char: 'char', text: 'text', blob: 'mediumblob', datetime: 'datetime' },
  postgres: { int: 'integer', bigint: 'bigint', varchar: 'varchar', char: 'char', text: 'text', blob: 'bytea', datetime: 'timestamptz' },
};

export function entitySchemas(dialect: Dialect): EntitySchema[] {
  return TABLES.map(
    (spec) =>
      new EntitySchema({
        name: spec.entity,
        tableName: spec.table,
        columns: Object.fromEntries(Object.entries(spec.columns).map(([name, column]) => [name, columnOptions(dialect, column as ColumnSpec)])),
      }),
  );
}

function columnOptions(dialect: Dialect, column: ColumnSpec): EntitySchemaColumnOptions {
  const options: EntitySchemaColumnOptions = {
    type: TYPE_NAMES[dialect][column.type] as EntitySchemaColumnOptions['type'],
    nullable: column.nullable ?? false,
    primary: column.primary ?? false,
  };
  if (column.length !== undefined) options.length = column.length;
  if (column.generated) options.generated = 'increment';
  if (column.default !== undefined) options.default = column.default;
  // Milliseconds matter for job leases and event order.
  if (column.type === 'datetime' && dialect !== 'sqlite') options.precision = 3;
  return options;
}

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../plugin/store/database.js';
import { loadMigrations, migrate } from '../../../plugin/store/migrate.js';
import { TABLES } from '../../../plugin/store/tables.js';
import { createTestDatabase, DIALECTS } from '../../support/databases.js';
import { columnsInDatabase, columnsInEntity } from '../../support/schema-inspect.js';

for (const dialect of DIALECTS) {
  describe(`schema on ${dialect}`, () => {
    test('migrate creates every dploy_* table and a second run changes nothing', async () => {
      const database = await createTestDatabase(dialect);
      const store = await openStore(database.url);
      try {
        const first = await migrate(store.db, dialect);
        assert.deepEqual(
          first.applied.map((m) => m.version),
          loadMigrations(dialect).map((m) => m.version),
        );
        for (const { table } of TABLES) {
          const rows: unknown[] = await store.db.query(`SELECT COUNT(*) AS n FROM ${table}`);
          assert.equal(rows.length, 1, `${table} exists`);
        }
        const before = await columnsOfAll(store.db, dialect);
        const second = await migrate(store.db, dialect);
        assert.equal(second.applied.length, 0);
        assert.equal(second.alreadyApplied, first.applied.length);
        assert.deepEqual(await columnsOfAll(store.db, dialect), before);
        const recorded: Array<{ version: number | string }> = await store.db.query('SELECT version FROM dploy_migrations');
        assert.equal(recorded.length, first.applied.length, 'each migration recorded once');
      } finally {
        await store.close();
        await database.drop();
      }
    });

    test('the typeorm entities and the migrated tables agree column by column (no drift)', async () => {
      const database = await createTestDatabase(dialect);
      const store = await openStore(database.url);
      try {
        await migrate(store.db, dialect);
        for (const { table } of TABLES) {
          const inDb = await columnsInDatabase(store.db, dialect, table);
          const inEntity = columnsInEntity(store.db, dialect, table);
          const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
          assert.deepEqual(inEntity.sort(byName), inDb.sort(byName), `${table} on ${dialect}`);
        }
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}

async function columnsOfAll(db: Parameters<typeof columnsInDatabase>[0], dialect: (typeof DIALECTS)[number]) {
  const all: Record<string, unknown> = {};
  for (const { table } of TABLES) all[table] = await columnsInDatabase(db, dialect, table);
  return all;
}

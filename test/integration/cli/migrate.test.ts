import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { createTestDatabase } from '../../support/databases.js';

for (const dialect of ['mysql', 'postgres'] as const) {
  test(`dploy migrate --database on ${dialect} creates the tables; a second run changes nothing; --dry-run prints SQL`, async () => {
    const database = await createTestDatabase(dialect);
    const cwd = mkdtempSync(join(tmpdir(), 'dploy-migrate-'));
    try {
      const dry = await runDploy(['migrate', '--database', database.url, '--dry-run'], { cwd });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /-- 001_initial\nCREATE TABLE dploy_hosts \(/);

      const first = await runDploy(['migrate', '--database', database.url], { cwd });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /applied 001_initial/);

      const second = await runDploy(['migrate', '--database', database.url, '--json'], { cwd });
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual((JSON.parse(second.stdout) as { applied: string[] }).applied, []);

      const dryAfter = await runDploy(['migrate', '--database', database.url, '--dry-run'], { cwd });
      assert.match(dryAfter.stdout, /up to date, nothing to run/);

      const added = await runDploy(['hosts', 'add', '--mac', '52:54:00:00:00:01', '--name', 'n1'], { cwd, env: { DPLOY_DATABASE_URL: database.url } });
      assert.equal(added.code, 0, added.stderr);
    } finally {
      await database.drop();
    }
  });

  test(`commands on an unmigrated ${dialect} database say to run dploy migrate`, async () => {
    const database = await createTestDatabase(dialect);
    try {
      const cwd = mkdtempSync(join(tmpdir(), 'dploy-migrate-'));
      const listed = await runDploy(['hosts', 'list'], { cwd, env: { DPLOY_DATABASE_URL: database.url } });
      assert.equal(listed.code, 1);
      assert.match(listed.stderr, /lacks 1 migration\(s\) \(initial\): run "dploy migrate" first/);
    } finally {
      await database.drop();
    }
  });
}

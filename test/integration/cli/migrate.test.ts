import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { createTestDatabase, lacksAllMigrations, mariadbSocket } from '../../support/databases.js';

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
      assert.match(listed.stderr, lacksAllMigrations(dialect));
    } finally {
      await database.drop();
    }
  });
}

test('a local MariaDB is reached over its Unix socket with ?socket=; a wrong socket or an unknown parameter is refused', async () => {
  const database = await createTestDatabase('mysql');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-socket-'));
  try {
    const socket = await mariadbSocket();
    // Port 1 has no listener: only the socket can carry these commands.
    const url = `mysql://root@127.0.0.1:1/${database.name}?socket=${socket}`;
    const migrated = await runDploy(['migrate', '--database', url], { cwd });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /applied 001_initial/);
    const env = { DPLOY_DATABASE_URL: url };
    assert.equal((await runDploy(['hosts', 'add', '--mac', '52:54:00:00:00:02', '--name', 'sock1'], { cwd, env })).code, 0);
    assert.match((await runDploy(['hosts', 'list'], { cwd, env })).stdout, /sock1\s+52:54:00:00:00:02/);

    const missing = await runDploy(['hosts', 'list'], { cwd, env: { DPLOY_DATABASE_URL: `mysql://root@localhost/${database.name}?socket=/run/nowhere.sock` } });
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      `dploy: cannot open database mysql://root@localhost/${database.name}?socket=/run/nowhere.sock: no such socket: is MariaDB running, and is that its socket (SHOW VARIABLES LIKE 'socket')?\n`,
    );
    const relative = await runDploy(['hosts', 'list'], { cwd, env: { DPLOY_DATABASE_URL: `mysql://root@localhost/${database.name}?socket=mysqld.sock` } });
    assert.match(relative.stderr, /socket= must be an absolute path/);
    const unknown = await runDploy(['hosts', 'list'], { cwd, env: { DPLOY_DATABASE_URL: `mysql://root@localhost/${database.name}?sslmode=require` } });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown parameter "sslmode" \(a MariaDB\/MySQL URL takes only \?socket=/);
  } finally {
    await database.drop();
  }
});

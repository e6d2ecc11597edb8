import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { createTestDatabase, lacksAllMigrations, postgresAdmin } from '../../support/databases.js';
import { startServe } from '../../support/serve.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'dploy-serve-'));

test('dploy serve on the SQLite default answers /healthz and stops cleanly on SIGTERM', async () => {
  const cwd = freshDir();
  const started = Date.now();
  const serve = await startServe({ cwd });
  try {
    const response = await fetch(`${serve.url}/healthz`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, string>;
    assert.equal(body.status, 'ok');
    assert.equal(body.database, 'ok');
    assert.equal(body.platform, 'standalone');
    assert.ok(Date.now() - started < 60_000);
  } finally {
    assert.equal(await serve.stop('SIGTERM'), 0, `graceful exit:\n${serve.output()}`);
  }
  assert.match(serve.output(), /"signal":"SIGTERM","msg":"shutting down"/);
});

test('the hosts API needs a token from "dploy token create" and returns the machines', async () => {
  const cwd = freshDir();
  await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  const created = await runDploy(['token', 'create', '--name', 'ci'], { cwd });
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^dploy_[A-Za-z0-9_-]{43}$/);

  const serve = await startServe({ cwd });
  try {
    const anonymous = await fetch(`${serve.url}/api/v1/hosts`);
    assert.equal(anonymous.status, 401);
    assert.match(((await anonymous.json()) as { message: string }).message, /missing API token/);

    const wrong = await fetch(`${serve.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}x` } });
    assert.equal(wrong.status, 401);

    const auth = { headers: { authorization: `Bearer ${token}` } };
    const list = (await (await fetch(`${serve.url}/api/v1/hosts`, auth)).json()) as { hosts: Array<{ id: number; name: string; macs: string[] }> };
    assert.deepEqual(
      list.hosts.map((h) => [h.name, h.macs]),
      [['web01', ['52:54:00:12:34:56']]],
    );

    const one = await fetch(`${serve.url}/api/v1/hosts/${list.hosts[0]!.id}`, auth);
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { name: string }).name, 'web01');

    const missing = await fetch(`${serve.url}/api/v1/hosts/999`, auth);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /no host "999"/);
  } finally {
    await serve.stop();
  }
});

test('/healthz turns 503 with the reason when the database goes away', async () => {
  const database = await createTestDatabase('postgres');
  const cwd = freshDir();
  await runDploy(['migrate', '--database', database.url], { cwd });
  const serve = await startServe({ cwd, env: { DPLOY_DATABASE_URL: database.url } });
  try {
    assert.equal((await fetch(`${serve.url}/healthz`)).status, 200);
    await postgresAdmin(`DROP DATABASE ${database.name} WITH (FORCE)`);
    const response = await fetch(`${serve.url}/healthz`);
    assert.equal(response.status, 503);
    const body = (await response.json()) as Record<string, string>;
    assert.equal(body.database, 'unreachable');
    assert.ok(body.message && body.message.length > 0);
  } finally {
    await serve.stop();
    await database.drop();
  }
});

test('dploy serve refuses a shared database that was never migrated, with the command to run', async () => {
  const database = await createTestDatabase('mysql');
  try {
    const serve = startServe({ cwd: freshDir(), env: { DPLOY_DATABASE_URL: database.url } });
    await assert.rejects(serve, lacksAllMigrations('mysql'));
  } finally {
    await database.drop();
  }
});

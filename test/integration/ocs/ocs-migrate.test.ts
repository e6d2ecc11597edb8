// `dploy migrate` with platform ocs, run as an operator runs it, against a
// copy of the real OCS schema: what it refuses, what --dry-run shows a DBA,
// what it registers (as the console's Administrative data page would), and
// that a second or an interrupted run is harmless.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { createTestDatabase } from '../../support/databases.js';
import { createOcsScratch, type OcsScratch } from '../../support/ocs/scratch.js';
import { startServe } from '../../support/serve.js';

const cwd = mkdtempSync(join(tmpdir(), 'dploy-ocs-migrate-'));
const ocsEnv = (url: string) => ({ DPLOY_PLATFORM: 'ocs', DPLOY_DATABASE_URL: url });

test('a database that is not OCS, or an OCS older than dploy knows, is refused before anything is created', async () => {
  const plain = await createTestDatabase('mysql');
  try {
    const run = await runDploy(['migrate'], { cwd, env: ocsEnv(plain.url) });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /is not an OCS Inventory NG database \(no hardware, accountinfo, .* tables\); point database.url at OCS's database/);
  } finally {
    await plain.drop();
  }
  const old = await createOcsScratch();
  try {
    // An install whose update.php never ran past the install SQL of an older console.
    await old.sql("UPDATE config SET TVALUE = '7038' WHERE NAME = 'GUI_VERSION'");
    const before = await untouched(old);
    const run = await runDploy(['migrate'], { cwd, env: ocsEnv(old.url) });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /has schema GUI_VERSION 7038; dploy knows 7039 through 7082: finish OCS's install \(the console's install\.php and update\.php\) first/,
    );
    assert.deepEqual(await untouched(old), before, 'nothing was written');
  } finally {
    await old.drop();
  }
});

/** Everything `dploy migrate` could write: the tables, OCS's settings and administrative data, accountinfo's columns. */
async function untouched(ocs: OcsScratch): Promise<unknown> {
  return {
    tables: await ocs.sql('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1'),
    accountinfo: await ocs.sql(
      "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accountinfo' ORDER BY 1",
    ),
    config: await ocs.sql('SELECT NAME, IVALUE, TVALUE FROM config ORDER BY NAME'),
    fields: await ocs.sql('SELECT * FROM accountinfo_config ORDER BY ID'),
  };
}

test('a schema newer than dploy knows is refused by migrate and serve, naming the version found and the newest known; the documented override lets an operator go on', async () => {
  const ocs = await createOcsScratch(7082);
  try {
    await ocs.sql("UPDATE config SET TVALUE = '7090' WHERE NAME = 'GUI_VERSION'");
    const before = await untouched(ocs);
    const run = await runDploy(['migrate'], { cwd, env: ocsEnv(ocs.url) });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /has schema GUI_VERSION 7090, newer than 7082, the newest this dploy knows; nothing was written\. .*ocs\.acceptNewerSchema: true \(DPLOY_OCS_ACCEPT_NEWER_SCHEMA=true\)/,
    );
    assert.deepEqual(await untouched(ocs), before, 'nothing was written');

    const accepted = { ...ocsEnv(ocs.url), DPLOY_OCS_ACCEPT_NEWER_SCHEMA: 'true' };
    const forced = await runDploy(['migrate'], { cwd, env: accepted });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /OCS: add administrative data DPLOYTASK/);
    const serveEnv = { DPLOY_HTTP_PORT: '0', DPLOY_TFTP_ENABLED: 'false', DPLOY_RUNNER_ENABLED: 'false' };
    const serve = await runDploy(['serve'], { cwd, env: { ...ocsEnv(ocs.url), ...serveEnv } });
    assert.equal(serve.code, 1, serve.stderr);
    assert.match(serve.stderr, /has schema GUI_VERSION 7090, newer than 7082, the newest this dploy knows/);
    const served = await startServe({ cwd, env: { ...accepted, ...serveEnv, DPLOY_LOG_LEVEL: 'warn' } });
    try {
      assert.equal((await fetch(`${served.url}/healthz`)).status, 200, 'dploy serves on the accepted schema');
    } finally {
      await served.stop();
    }
  } finally {
    await ocs.drop();
  }
});

test('a schema missing a column dploy needs, or with one of a type dploy cannot write, is refused before anything is written, naming table and column', async () => {
  const changes = [
    { alter: 'ALTER TABLE networks DROP COLUMN MACADDR', says: /column networks\.MACADDR is missing/ },
    { alter: 'ALTER TABLE hardware MODIFY COLUMN CHECKSUM DATETIME NULL', says: /column hardware\.CHECKSUM is datetime, dploy writes a number there/ },
    {
      alter: 'ALTER TABLE hardware MODIFY COLUMN USERAGENT VARCHAR(20)',
      says: /column hardware\.USERAGENT is varchar\(20\), dploy writes up to 50 characters there/,
    },
    { alter: 'ALTER TABLE bios ADD COLUMN SITE_CODE VARCHAR(8) NOT NULL', says: /column bios\.SITE_CODE \(varchar\) is NOT NULL without a default/ },
  ];
  for (const { alter, says } of changes) {
    const ocs = await createOcsScratch();
    try {
      await ocs.sql(alter);
      const before = await untouched(ocs);
      const run = await runDploy(['migrate'], { cwd, env: ocsEnv(ocs.url) });
      assert.equal(run.code, 1, alter);
      assert.match(run.stderr, says);
      assert.match(run.stderr, /Nothing was written/);
      assert.deepEqual(await untouched(ocs), before, `${alter}: nothing was written`);
      // dploy serve checks the same at start (its own tables made as standalone, so it gets that far).
      assert.equal((await runDploy(['migrate'], { cwd, env: { DPLOY_DATABASE_URL: ocs.url } })).code, 0);
      const withDployTables = await untouched(ocs);
      const serve = await runDploy(['serve'], {
        cwd,
        env: { ...ocsEnv(ocs.url), DPLOY_HTTP_PORT: '0', DPLOY_TFTP_ENABLED: 'false', DPLOY_RUNNER_ENABLED: 'false' },
      });
      assert.equal(serve.code, 1, alter);
      assert.match(serve.stderr, says);
      assert.deepEqual(await untouched(ocs), withDployTables, `${alter}: serve wrote nothing`);
    } finally {
      await ocs.drop();
    }
  }
});

test('--dry-run prints the SQL for a DBA and changes nothing; migrate registers dploy like the console would; a second run is a no-op', async () => {
  const ocs = await createOcsScratch();
  try {
    const tables = async () => (await ocs.sql<{ n: number }>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'))[0]!.n;
    const before = await tables();
    const dry = await runDploy(['migrate', '--dry-run'], { cwd, env: ocsEnv(ocs.url) });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /CREATE TABLE dploy_hosts/);
    assert.match(dry.stdout, /-- OCS Inventory NG \(GUI_VERSION 7069\): dploy's administrative data/);
    assert.match(
      dry.stdout,
      /INSERT INTO accountinfo_config \(ID, TYPE, NAME, ID_TAB, COMMENT, SHOW_ORDER, ACCOUNT_TYPE, DEFAULT_VALUE\) VALUES \(\d+, 2, 'DPLOYTASK', \d+, 'dploy task'/,
    );
    assert.match(dry.stdout, /ALTER TABLE accountinfo ADD COLUMN fields_\d+ VARCHAR\(255\) DEFAULT NULL;/);
    assert.match(dry.stdout, /INSERT INTO config \(NAME, IVALUE, TVALUE\) VALUES \('ACCOUNT_VALUE_DPLOYTASK_3', 3, 'install'\);/);
    assert.match(dry.stdout, /-- recreate table unixusers, which OCS's server 2\.8\.1 still empties when it merges a duplicate/);
    assert.equal(await tables(), before, 'the dry run created nothing');
    assert.deepEqual(await ocs.sql("SELECT NAME FROM accountinfo_config WHERE NAME LIKE 'DPLOY%'"), []);

    const run = await runDploy(['migrate'], { cwd, env: ocsEnv(ocs.url) });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /OCS: add administrative data DPLOYTASK \(select\) as accountinfo\.fields_\d+/);
    const fields = await ocs.sql<{ ID: number; NAME: string; TYPE: number; ID_TAB: number; ACCOUNT_TYPE: string }>(
      "SELECT ID, NAME, TYPE, ID_TAB, ACCOUNT_TYPE FROM accountinfo_config WHERE NAME LIKE 'DPLOY%' ORDER BY ID",
    );
    assert.deepEqual(
      fields.map((f) => [f.NAME, f.TYPE, f.ACCOUNT_TYPE]),
      [
        ['DPLOYTASK', 2, 'COMPUTERS'],
        ['DPLOYPROFILE', 2, 'COMPUTERS'],
        ['DPLOYSTATUS', 0, 'COMPUTERS'],
        ['DPLOYCOMMAND', 2, 'COMPUTERS'],
      ],
    );
    const [tab] = await ocs.sql<{ NAME: string; IVALUE: number }>("SELECT NAME, IVALUE FROM config WHERE NAME LIKE 'TAB\\_ACCOUNTAG\\_%' AND TVALUE = 'dploy'");
    assert.ok(tab && fields.every((f) => f.ID_TAB === tab.IVALUE), 'the four fields sit on a "dploy" tab of their own');
    const columns = (
      await ocs.sql<{ c: string }>(
        "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accountinfo' ORDER BY ORDINAL_POSITION",
      )
    ).map((r) => r.c);
    assert.deepEqual(columns, ['HARDWARE_ID', 'TAG', ...fields.map((f) => `fields_${f.ID}`)]);
    const values = (await ocs.sql<{ TVALUE: string }>("SELECT TVALUE FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYTASK\\_%' ORDER BY IVALUE")).map(
      (r) => r.TVALUE,
    );
    assert.deepEqual(values, [
      'none',
      'discover',
      'install',
      'restore',
      'image',
      'rebuild',
      'localboot',
      'forget',
      'command',
      'power-on',
      'power-off',
      'power-cycle',
      'power-status',
      'firmware',
      'cancel',
    ]);

    const again = await runDploy(['migrate'], { cwd, env: ocsEnv(ocs.url) });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /dploy's OCS administrative data is in place/);
    assert.equal((await ocs.sql("SELECT 1 FROM accountinfo_config WHERE NAME LIKE 'DPLOY%'")).length, 4);
    const nothing = await runDploy(['migrate', '--dry-run'], { cwd, env: ocsEnv(ocs.url) });
    assert.match(nothing.stdout, /up to date, nothing to run/);

    // A run cut off after a field's row but before its column (MariaDB commits each ALTER alone) is finished by the next.
    await ocs.sql(`ALTER TABLE accountinfo DROP INDEX dploy_task, DROP COLUMN fields_${fields[0]!.ID}`);
    const repair = await runDploy(['migrate'], { cwd, env: ocsEnv(ocs.url) });
    assert.equal(repair.code, 0, repair.stderr);
    assert.match(repair.stdout, new RegExp(`OCS: add column accountinfo\\.fields_${fields[0]!.ID}\\n.*OCS: index the task field`));
    assert.equal((await ocs.sql("SELECT 1 FROM accountinfo_config WHERE NAME LIKE 'DPLOY%'")).length, 4, 'no field registered twice');
  } finally {
    await ocs.drop();
  }
});

test("dploy serve and the CLI refuse an OCS where dploy's administrative data is not registered, naming the fix", async () => {
  const ocs = await createOcsScratch();
  try {
    // dploy's own tables are there (migrated as standalone), OCS's fields are not.
    assert.equal((await runDploy(['migrate'], { cwd, env: { DPLOY_DATABASE_URL: ocs.url } })).code, 0);
    for (const args of [['runner', '--once'], ['serve']]) {
      const run = await runDploy(args, { cwd, env: { ...ocsEnv(ocs.url), DPLOY_HTTP_PORT: '0', DPLOY_TFTP_ENABLED: 'false' } });
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /OCS has no DPLOYTASK\/DPLOYPROFILE\/DPLOYSTATUS administrative data: run "dploy migrate" with platform ocs first/);
    }
  } finally {
    await ocs.drop();
  }
});

// The settings page's configuration: every key shown, a database password never.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, maskUrlPassword, MASK, shownConfig } from '../../../plugin/config/index.js';

test('a database URL keeps everything but its password, in the user part or the query', () => {
  assert.equal(maskUrlPassword('mysql://dploy:s3cr%40t@db.example:3306/ocsweb'), `mysql://dploy:${MASK}@db.example:3306/ocsweb`);
  assert.equal(maskUrlPassword('postgres://dploy@db/dploy?password=hunter2&sslmode=require'), `postgres://dploy@db/dploy?password=${MASK}&sslmode=require`);
  assert.equal(maskUrlPassword('sqlite:./var/dploy.sqlite'), 'sqlite:./var/dploy.sqlite');
  assert.equal(maskUrlPassword('mysql://dploy@db/dploy'), 'mysql://dploy@db/dploy');
  assert.equal(maskUrlPassword('not a url :pw@'), MASK, 'what cannot be read is hidden whole');
});

test('every setting of the schema is a row, in its order, the password masked', () => {
  const config = configSchema.parse({ platform: 'ocs', database: { url: 'mysql://ocs:ocs-pass@127.0.0.1/ocsweb' }, http: { port: 9090 } });
  const rows = shownConfig(config);
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  assert.equal(rows[0]!.key, 'platform');
  assert.equal(byKey.get('platform'), 'ocs');
  assert.equal(byKey.get('database.url'), `mysql://ocs:${MASK}@127.0.0.1/ocsweb`);
  assert.equal(byKey.get('http.port'), '9090');
  assert.equal(byKey.get('ocs.consoleUrl'), '""');
  assert.doesNotMatch(JSON.stringify(rows), /ocs-pass/);
  const leaves = Object.values(config).reduce((n, section) => n + (typeof section === 'object' ? Object.keys(section).length : 1), 0);
  assert.equal(rows.length, leaves);
});

test('ocs.consoleUrl is an http(s) URL or empty', () => {
  assert.equal(configSchema.parse({ ocs: { consoleUrl: 'https://ocs.example.org/ocsreports/' } }).ocs.consoleUrl, 'https://ocs.example.org/ocsreports/');
  assert.throws(() => configSchema.parse({ ocs: { consoleUrl: 'javascript:alert(1)' } }), /an http\(s\) URL/);
  assert.throws(() => configSchema.parse({ ocs: { consoleUrl: 'ocs.example.org' } }), /an http\(s\) URL/);
});

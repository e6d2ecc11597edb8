// The profiles API as a script uses it: PUT a profile as JSON (created, then
// replaced), read it back without its password hash, and a wrong profile
// refused with every bad field named and nothing saved.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runDploy } from '../../support/cli.js';
import { startServe } from '../../support/serve.js';

const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

test('PUT /api/v1/profiles/:name creates and replaces a profile; GET never shows the hash; a bad one is refused field by field', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-api-profiles-'));
  const created = await runDploy(['token', 'create', '--name', 'cm'], { cwd });
  assert.equal(created.code, 0, created.stderr);
  const headers = { authorization: `Bearer ${created.stdout.trim()}`, 'content-type': 'application/json' };
  const serve = await startServe({ cwd });
  try {
    const url = `${serve.url}/api/v1/profiles/debian-12-web`;
    assert.equal(
      (await fetch(url, { method: 'PUT', body: JSON.stringify(PROFILE), headers: { 'content-type': 'application/json' } })).status,
      401,
      'no token, no write',
    );

    const first = await fetch(url, { method: 'PUT', body: JSON.stringify(PROFILE), headers });
    assert.equal(first.status, 201, await first.clone().text());
    const again = await fetch(url, { method: 'PUT', body: JSON.stringify({ ...PROFILE, timezone: 'Europe/Berlin' }), headers });
    assert.equal(again.status, 200);

    const one = (await (await fetch(url, { headers })).json()) as Record<string, unknown>;
    assert.equal(one.timezone, 'Europe/Berlin');
    assert.equal(one.rootPasswordHash, '(set, hidden)');
    const list = (await (await fetch(`${serve.url}/api/v1/profiles`, { headers })).json()) as { profiles: Array<{ name: string }> };
    assert.deepEqual(
      list.profiles.map((p) => p.name),
      ['debian-12-web'],
    );
    assert.doesNotMatch(JSON.stringify(list), /\$6\$/, 'no hash, sealed or not, leaves dploy');

    const bad = await fetch(`${serve.url}/api/v1/profiles/broken`, {
      method: 'PUT',
      body: JSON.stringify({ ...PROFILE, name: undefined, distro: 'plan9', rootPasswordHash: '$1$abc$def' }),
      headers,
    });
    assert.equal(bad.status, 400);
    const message = ((await bad.json()) as { message: string }).message;
    assert.match(message, /distro\/release\/arch: unknown distro "plan9"/);
    assert.match(message, /rootPasswordHash: an MD5/);
    assert.equal((await fetch(`${serve.url}/api/v1/profiles/broken`, { headers })).status, 404, 'nothing half-saved');
    const mismatch = await fetch(`${serve.url}/api/v1/profiles/other`, { method: 'PUT', body: JSON.stringify(PROFILE), headers });
    assert.equal(mismatch.status, 400);
    assert.match(((await mismatch.json()) as { message: string }).message, /names profile "debian-12-web" but the URL other/);
  } finally {
    await serve.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
});

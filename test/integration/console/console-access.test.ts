// Who may do what, on the console and the API: roles on every route, the
// CSRF token on every form, a new session at every login (fixation), login
// throttling per user and address, sessions that end, and the CLI that
// manages the accounts with passwords on stdin only.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { startServe, type ServeProcess } from '../../support/serve.js';
import { cookieSet, csrfIn, getPage, login, postForm, postLogin, type ConsoleLogin } from '../../support/console-client.js';
import { openStore, type Store } from '../../../plugin/store/database.js';
import { migrate } from '../../../plugin/store/migrate.js';
import { addHost } from '../../../plugin/store/hosts.js';
import { addUser } from '../../../plugin/store/users.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';
import { findSession, openSession } from '../../../plugin/store/sessions.js';
import { appendEvent, createJob, getJob } from '../../../plugin/store/jobs.js';
import { getProfile, openProfile, storeProfile } from '../../../plugin/installers/index.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

const PASSWORD = 'correct horse battery';
const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('console and API access', () => {
  let cwd: string;
  let serve: ServeProcess;
  let store: Store;
  let hostId: number;
  let carol: ConsoleLogin;
  let alice: ConsoleLogin;
  let bob: ConsoleLogin;

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'dploy-console-access-'));
    mkdirSync(join(cwd, 'var'));
    store = await openStore(`sqlite:${join(cwd, 'var/dploy.sqlite')}`);
    await migrate(store.db, 'sqlite');
    const db = store.db.manager;
    await addUser(db, 'carol', 'admin', PASSWORD);
    await addUser(db, 'alice', 'operator', PASSWORD);
    await addUser(db, 'bob', 'viewer', PASSWORD);
    await addUser(db, 'dave', 'viewer', PASSWORD);
    await storeProfile(db, PROFILE, { replace: false, secrets: openSecretBox(join(cwd, 'var/secret.key')) });
    hostId = (await addHost(db, { name: 'web01', macs: ['52:54:00:12:34:56'], bmcAddress: '192.0.2.7' })).id;
    serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false' } });
    [carol, alice, bob] = await Promise.all([login(serve.url, 'carol', PASSWORD), login(serve.url, 'alice', PASSWORD), login(serve.url, 'bob', PASSWORD)]);
  });
  after(async () => {
    await serve?.stop();
    await store?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const hostTask = async () => {
    const page = await (await getPage(`${serve.url}/hosts/${hostId}`, alice)).text();
    return /<th>Task<\/th><td>([^<]*)<\/td>/.exec(page)?.[1];
  };

  test('a viewer reads hosts but cannot set a task, read a BMC address, cancel, edit profiles or see tokens', async () => {
    const page = await getPage(`${serve.url}/hosts/${hostId}`, bob);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Host web01/);
    assert.doesNotMatch(html, /192\.0\.2\.7/);
    assert.doesNotMatch(html, /Set a task/);
    const refused = await postForm(`${serve.url}/hosts/${hostId}/task`, bob, { csrf: bob.csrf, task: 'discover' });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-dploy-error'), 'DPLOY_ERR_FORBIDDEN');
    assert.match(await refused.text(), /set-task needs the operator role; console:bob has viewer/);
    assert.equal(await hostTask(), 'none', 'nothing was set');
    for (const path of ['/profiles/new', '/tokens', '/audit']) assert.equal((await getPage(`${serve.url}${path}`, bob)).status, 403, path);
    assert.equal((await postForm(`${serve.url}/jobs/1/cancel`, bob, { csrf: bob.csrf })).status, 403);
  });

  test('API tokens carry a role: a viewer token reads hosts without BMC addresses and cannot write a profile', async () => {
    const viewer = await createApiToken(store.db.manager, 'dashboards', 'viewer');
    const operator = await createApiToken(store.db.manager, 'cm', 'operator');
    const hosts = async (token: string) =>
      (
        (await (await fetch(`${serve.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          hosts: Array<{ bmcAddress: string | null }>;
        }
      ).hosts[0]!.bmcAddress;
    assert.equal(await hosts(viewer.token), null);
    assert.equal(await hosts(operator.token), '192.0.2.7');
    const put = await fetch(`${serve.url}/api/v1/profiles/x`, {
      method: 'PUT',
      body: '{}',
      headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/json' },
    });
    assert.equal(put.status, 403);
    assert.equal(((await put.json()) as { error: string }).error, 'DPLOY_ERR_FORBIDDEN');
  });

  test('an operator cannot create tokens; an admin can, and sees the token once', async () => {
    assert.equal((await getPage(`${serve.url}/tokens`, alice)).status, 403);
    const refused = await postForm(`${serve.url}/tokens`, alice, { csrf: alice.csrf, name: 'sneaky', role: 'admin' });
    assert.equal(refused.status, 403);
    const made = await postForm(`${serve.url}/tokens`, carol, { csrf: carol.csrf, name: 'monitoring', role: 'viewer' });
    assert.equal(made.status, 200);
    const token = /shown this once: <code>(dploy_[A-Za-z0-9_-]+)<\/code>/.exec(await made.text())?.[1];
    assert.ok(token, 'the new token is on the page');
    const listed = await (await getPage(`${serve.url}/tokens`, carol)).text();
    assert.match(listed, /monitoring<\/td><td>viewer/);
    assert.doesNotMatch(listed, new RegExp(token!), 'shown once only');
    assert.doesNotMatch(listed, /sneaky/);
    const asMonitoring = () => fetch(`${serve.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await asMonitoring()).status, 200);
    const id = /<td>(\d+)<\/td><td>monitoring<\/td>/.exec(listed)?.[1];
    assert.equal((await postForm(`${serve.url}/tokens/${id}/revoke`, alice, { csrf: alice.csrf })).status, 403);
    assert.equal((await postForm(`${serve.url}/tokens/${id}/revoke`, carol, { csrf: carol.csrf })).status, 303);
    assert.equal((await asMonitoring()).status, 401, 'revoked from the console');
  });

  test("a form without its session's CSRF token is refused; with it the task is set and the audit log says who", async () => {
    const none = await postForm(`${serve.url}/hosts/${hostId}/task`, alice, { task: 'discover' });
    assert.equal(none.status, 403);
    assert.match(await none.text(), /CSRF token missing or stale/);
    const someoneElses = await postForm(`${serve.url}/hosts/${hostId}/task`, alice, { csrf: carol.csrf, task: 'discover' });
    assert.equal(someoneElses.status, 403);
    assert.equal(await hostTask(), 'none');
    const done = await postForm(`${serve.url}/hosts/${hostId}/task`, alice, { csrf: alice.csrf, task: 'discover' });
    assert.equal(done.status, 303);
    assert.equal(await hostTask(), 'discover');
    const audit = await (await getPage(`${serve.url}/audit`, carol)).text();
    assert.match(audit, /<td>console:alice<\/td><td>task\.set<\/td><td>host \d+<\/td><td>discover<\/td>/);
  });

  test('login opens a new session and ends the one the browser came with (fixation); the cookie is HttpOnly and SameSite=Strict', async () => {
    const planted = (await login(serve.url, 'dave', PASSWORD)).session;
    const answer = await postLogin(serve.url, 'bob', PASSWORD, `dploy_session=${planted}`);
    assert.equal(answer.status, 303);
    const fresh = cookieSet(answer, 'dploy_session');
    assert.ok(fresh && fresh !== planted);
    const line = answer.headers.getSetCookie().find((l) => l.startsWith('dploy_session='))!;
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; SameSite=Strict/);
    assert.match(line, /; Path=\//);
    assert.doesNotMatch(line, /Secure/, 'plain HTTP: a Secure cookie would never come back');
    const old = await getPage(`${serve.url}/`, { session: planted, csrf: '' });
    assert.equal(old.status, 303);
    assert.equal(old.headers.get('location'), '/login');
    assert.match(await (await getPage(`${serve.url}/`, { session: fresh!, csrf: '' })).text(), /bob \(viewer\)/);
  });

  test('logging out ends the session; a session ends at its expiry', async () => {
    const session = await login(serve.url, 'dave', PASSWORD);
    assert.equal((await postForm(`${serve.url}/logout`, session, { csrf: session.csrf })).status, 303);
    assert.equal((await getPage(`${serve.url}/`, session)).status, 303);
    const user = (await store.db.query("SELECT id FROM dploy_users WHERE name = 'dave'")) as Array<{ id: number }>;
    const opened = new Date('2026-01-01T00:00:00Z');
    const id = await openSession(store.db.manager, user[0]!.id, 60_000, undefined, opened);
    assert.ok(await findSession(store.db.manager, id, new Date(opened.getTime() + 59_000)));
    assert.equal(await findSession(store.db.manager, id, new Date(opened.getTime() + 60_000)), undefined);
  });

  test('an operator edits a profile as YAML: a wrong one comes back with its problems and nothing saved; a hidden hash keeps its value', async () => {
    const form = await (await getPage(`${serve.url}/profiles/debian-12-web/edit`, alice)).text();
    const yaml = /<textarea name="yaml"[^>]*>([\s\S]*?)<\/textarea>/
      .exec(form)?.[1]
      ?.replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    assert.ok(yaml?.includes('rootPasswordHash: (set, hidden)'), form);
    const bad = await postForm(`${serve.url}/profiles/debian-12-web/edit`, alice, { csrf: alice.csrf, yaml: yaml!.replace('distro: debian', 'distro: plan9') });
    assert.equal(bad.status, 400);
    const again = await bad.text();
    assert.match(again, /Error: profile refused:\s+distro\/release\/arch: unknown distro &quot;plan9&quot;/);
    assert.match(again, /distro: plan9/, 'the edit comes back in the form');
    const edited = await postForm(`${serve.url}/profiles/debian-12-web/edit`, alice, {
      csrf: alice.csrf,
      yaml: yaml!.replace('timezone: Europe/Paris', 'timezone: Europe/Berlin'),
    });
    assert.equal(edited.status, 303, await edited.text());
    const stored = openProfile(await getProfile(store.db.manager, 'debian-12-web'), openSecretBox(join(cwd, 'var/secret.key')));
    assert.equal(stored.timezone, 'Europe/Berlin');
    assert.equal(stored.distro, 'debian');
    assert.equal(stored.rootPasswordHash, PROFILE.rootPasswordHash, 'the hidden hash kept its stored value');
    const created = await postForm(`${serve.url}/profiles/new`, alice, {
      csrf: alice.csrf,
      yaml: yaml!.replace('name: debian-12-web', 'name: debian-12-db').replace('rootPasswordHash: (set, hidden)\n', ''),
    });
    assert.equal(created.status, 303, await created.text());
    assert.equal(created.headers.get('location'), '/profiles/debian-12-db');
    const taken = await postForm(`${serve.url}/profiles/new`, alice, { csrf: alice.csrf, yaml: yaml!.replace('rootPasswordHash: (set, hidden)\n', '') });
    assert.equal(taken.status, 400);
    assert.match(await taken.text(), /profile debian-12-web exists/);
    const page = await (await getPage(`${serve.url}/profiles/debian-12-web`, bob)).text();
    assert.doesNotMatch(page, /\$6\$/, 'no hash, sealed or not, on a page');
  });

  test('what machines wrote is escaped on the pages; an operator cancels a job from its page', async () => {
    const job = await createJob(store.db.manager, { hostId, kind: 'discover' }, 'runner:test', 'opened');
    const hostile = '<script>alert(1)</script><a href="//evil">x</a>';
    await appendEvent(store.db.manager, { job_id: job.id, at: new Date(), from_state: 'queued', to_state: 'queued', message: hostile, actor: 'agent' });
    const page = await (await getPage(`${serve.url}/jobs/${job.id}`, bob)).text();
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&quot;//evil&quot;&gt;x&lt;/a&gt;'), page);
    assert.doesNotMatch(page, /<script|href="\/\/evil/);
    assert.doesNotMatch(page, /Cancel job/, 'a viewer gets no cancel button');
    assert.match(await (await getPage(`${serve.url}/jobs/${job.id}`, alice)).text(), new RegExp(`Cancel job ${job.id}`));
    const cancelled = await postForm(`${serve.url}/jobs/${job.id}/cancel`, alice, { csrf: alice.csrf });
    assert.equal(cancelled.status, 303);
    assert.equal((await getJob(store.db.manager, job.id)).state, 'cancelled');
    const again = await postForm(`${serve.url}/jobs/${job.id}/cancel`, alice, { csrf: alice.csrf });
    assert.equal(again.status, 409);
    assert.match(await again.text(), /already ended \(cancelled\)/);
  });

  test('5 failed logins for one user from one address make the 6th wait, right password or not; another address is not held', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await postLogin(serve.url, 'dave', 'wrong password')).status, 403);
    const held = await postLogin(serve.url, 'dave', PASSWORD);
    assert.equal(held.status, 429);
    assert.equal(held.headers.get('x-dploy-error'), 'DPLOY_ERR_RATE_LIMITED');
    assert.ok(Number(held.headers.get('retry-after')) >= 59);
    assert.match(await held.text(), /too many failed logins for dave from 127\.0\.0\.1/);
    assert.equal(cookieSet(held, 'dploy_session'), undefined);
    assert.equal(await loginFrom('127.0.0.2', serve.url, 'dave', PASSWORD), 303);
    assert.equal((await postLogin(serve.url, 'bob', PASSWORD)).status, 303, 'another user from the same address is not held');
  });

  test('failed logins are counted in the database: a restart between them forgets none', async () => {
    await addUser(store.db.manager, 'erin', 'viewer', PASSWORD);
    for (let i = 0; i < 3; i++) assert.equal((await postLogin(serve.url, 'erin', 'wrong password')).status, 403);
    await serve.stop();
    serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false' } });
    for (let i = 0; i < 2; i++) assert.equal((await postLogin(serve.url, 'erin', 'wrong password')).status, 403);
    const held = await postLogin(serve.url, 'erin', PASSWORD);
    assert.equal(held.status, 429, 'the 3 failures before the restart still count');
    assert.match(await held.text(), /too many failed logins for erin/);
    const rows = (await store.db.query("SELECT failures FROM dploy_login_failures WHERE user_name = 'erin'")) as Array<{ failures: number }>;
    assert.deepEqual(
      rows.map((r) => Number(r.failures)),
      [5],
    );
  });

  test('dploy users passwd reads the new password from stdin and ends the sessions; remove ends the account', async () => {
    const before = await login(serve.url, 'alice', PASSWORD);
    const changed = await runDploy(['users', 'passwd', 'alice'], { cwd, input: 'a new long password\n' });
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal((await getPage(`${serve.url}/`, before)).status, 303, 'the old session is gone');
    assert.equal((await postLogin(serve.url, 'alice', PASSWORD)).status, 403);
    assert.equal((await postLogin(serve.url, 'alice', 'a new long password')).status, 303);
    const short = await runDploy(['users', 'passwd', 'bob'], { cwd, input: 'short\n' });
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8 characters/);
    const removed = await runDploy(['users', 'remove', 'alice'], { cwd });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await postLogin(serve.url, 'alice', 'a new long password')).status, 403);
  });
});

/** A login from another loopback address (Linux routes all of 127/8 to lo). */
async function loginFrom(localAddress: string, url: string, user: string, password: string): Promise<number> {
  const form = await fetch(`${url}/login`);
  const loginCookie = cookieSet(form, 'dploy_login')!;
  const body = new URLSearchParams({ csrf: csrfIn(await form.text()), user, password }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/login`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dploy_login=${loginCookie}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

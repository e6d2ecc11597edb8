// The JSON API as scripts use it, by role: tasks on a host or a group, jobs
// listed, shown with their events and cancelled, groups, tokens; and the
// OpenAPI document, made from the routes, holds every /api/v1 route.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTrustServer, type TrustServer } from '../../support/trust-server.js';
import { addHost } from '../../../plugin/store/hosts.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';
import { createJob } from '../../../plugin/store/jobs.js';
import { listAudit } from '../../../plugin/store/audit-log.js';
import { addUser } from '../../../plugin/store/users.js';
import { imageEngineFor } from '../../../plugin/store/image-engines.js';
import { getPage, login, postForm } from '../../support/console-client.js';
import { seedImage } from '../../support/seeded-image.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

describe('the JSON API v1', () => {
  let dploy: TrustServer;
  const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };
  let hosts: number[];
  const call = async (as: keyof typeof tokens | undefined, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${dploy.url}${path}`, {
      method,
      headers: { ...(as ? { authorization: `Bearer ${tokens[as]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  before(async () => {
    dploy = await startTrustServer('sqlite');
    const db = dploy.server.store.db.manager;
    for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = (await createApiToken(db, `t-${role}`, role)).token;
    hosts = [];
    for (const [i, name] of ['web01', 'web02', 'db01'].entries()) hosts.push((await addHost(db, { name, macs: [`52:54:00:00:10:0${i}`] })).id);
    await createGroup(db, 'web');
    await addGroupMembers(db, 'web', hosts.slice(0, 2));
  });
  after(async () => dploy?.close());

  test('the OpenAPI document has every /api/v1 route with its method, and each one it lists exists', async () => {
    const doc = await call(undefined, 'GET', '/api/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    const paths = doc.body.paths as Record<
      string,
      Record<string, { 'x-dploy-role'?: string; security: unknown[]; parameters: Array<{ name: string; in: string; required: boolean }> }>
    >;
    // fastify's own route table, independent of the document's collector.
    const table = dploy.server.app.printRoutes({ commonPrefix: false });
    const routes = routeTable(table)
      .filter(([, url]) => url.startsWith('/api/v1/'))
      .map(([method, url]) => `${method.toLowerCase()} ${url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    assert.ok(routes.length >= 14, table);
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    assert.deepEqual(documented.sort(), routes.sort());
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/api/v1/openapi.json') continue;
        const answer = await call(undefined, method.toUpperCase(), path.replace(/\{[a-z]+\}/gi, '1'), method === 'get' ? undefined : {});
        assert.equal(answer.status, 401, `${method} ${path} exists and asks for a token`);
        assert.ok(op['x-dploy-role'] && op.security.length === 1, `${method} ${path} names its role`);
      }
    }
    // What a validator would check first: each {name} of a path is a required path parameter, and nothing else is.
    for (const [path, ops] of Object.entries(paths)) {
      const named = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(ops)) {
        const inPath = op.parameters.filter((p) => p.in === 'path');
        assert.deepEqual(inPath.map((p) => p.name).sort(), named, `${method} ${path}`);
        assert.ok(inPath.every((p) => p.required));
      }
    }
    assert.equal(paths['/api/v1/tasks']!.post!['x-dploy-role'], 'operator');
    assert.equal(paths['/api/v1/tokens']!.post!['x-dploy-role'], 'admin');
  });

  test('every console page needs a login; every console form but login and logout refuses a viewer; every form but login refuses a post without the CSRF token', async () => {
    await addUser(dploy.server.store.db.manager, 'viewer', 'viewer', 'long enough password');
    const viewer = await login(dploy.url, 'viewer', 'long enough password');
    await addUser(dploy.server.store.db.manager, 'boss', 'admin', 'long enough password');
    const admin = await login(dploy.url, 'boss', 'long enough password');
    // Machine routes (token or none, no session): the agent, answers, boot files, the mirror, a restore job's image.
    const machines = /^\/(api|agent|answers|boot|mirror|images\/:token|healthz|metrics|\*)/;
    const pages = routeTable(dploy.server.app.printRoutes({ commonPrefix: false })).filter(([, url]) => !machines.test(url));
    assert.ok(pages.length >= 20, JSON.stringify(pages));
    for (const [method, url] of pages) {
      const path = url.replace(/:[A-Za-z]+/g, '1');
      if (method === 'GET') {
        const answer = await fetch(`${dploy.url}${path}`, { redirect: 'manual' });
        if (url === '/login' || url === '/console.css') assert.equal(answer.status, 200);
        else if (url === '/favicon.ico') assert.equal(answer.status, 204, "no icon, and no 404 in a browser's console");
        else assert.deepEqual([answer.status, answer.headers.get('location')], [303, '/login'], `GET ${url} without a session`);
      } else if (url !== '/login' && url !== '/logout') {
        const anonymous = await postForm(`${dploy.url}${path}`, undefined, {});
        assert.deepEqual([anonymous.status, anonymous.headers.get('location')], [303, '/login'], `${method} ${url} without a session`);
        const refused = await postForm(`${dploy.url}${path}`, viewer, { csrf: viewer.csrf });
        assert.equal(refused.status, 403, `${method} ${url} as a viewer`);
        assert.equal(refused.headers.get('x-dploy-error'), 'DPLOY_ERR_FORBIDDEN');
      }
      if (method === 'POST' && url !== '/login') {
        const forged = await postForm(`${dploy.url}${path}`, admin, { task: 'discover', name: 'x', yaml: 'name: x' });
        assert.equal(forged.status, 403, `${method} ${url} as an admin without the CSRF token`);
        assert.match(await forged.text(), /CSRF token missing or stale/);
      }
    }
  });

  test('tasks: a viewer is refused; an operator sets one on a host and on a group; bad input is refused with its field', async () => {
    assert.equal((await call('viewer', 'POST', '/api/v1/tasks', { target: 'web01', task: 'discover' })).status, 403);
    const one = await call('operator', 'POST', '/api/v1/tasks', { target: 'db01', task: 'discover' });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body, { task: 'discover', hostIds: [hosts[2]], cancelled: [] });
    const group = await call('operator', 'POST', '/api/v1/tasks', { target: '@web', task: 'localboot' });
    assert.deepEqual(group.body.hostIds, hosts.slice(0, 2));
    const unknown = await call('operator', 'POST', '/api/v1/tasks', { target: 'web01', task: 'reformat' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'DPLOY_ERR_INVALID_INPUT');
    assert.match(String(unknown.body.message), /task must be equal to one of the allowed values/);
    const extra = await call('operator', 'POST', '/api/v1/tasks', { target: 'web01', task: 'discover', priority: 1 });
    assert.equal(extra.status, 400);
    assert.match(String(extra.body.message), /must NOT have additional properties/);
    assert.equal((await call('operator', 'POST', '/api/v1/tasks', { target: 'nosuch', task: 'discover' })).status, 404);
    // An image task's engine (docs/images.md): kept per machine; another task refuses it.
    const mondo = await call('operator', 'POST', '/api/v1/tasks', { target: 'db01', task: 'image', image: 'db01-mondo', engine: 'mondo', force: true });
    assert.equal(mondo.status, 200, JSON.stringify(mondo.body));
    assert.equal(await imageEngineFor(dploy.server.store.db.manager, hosts[2]!), 'mondo');
    const misplaced = await call('operator', 'POST', '/api/v1/tasks', { target: 'db01', task: 'discover', engine: 'mondo' });
    assert.equal(misplaced.status, 400);
    assert.match(String(misplaced.body.message), /--engine is an image task's option, not discover's/);
    assert.equal((await call('operator', 'POST', '/api/v1/tasks', { target: 'db01', task: 'image', engine: 'afio' })).status, 400);
    const audit = await listAudit(dploy.server.store.db.manager);
    assert.ok(audit.some((a) => a.actor === 'api:t-operator' && a.action === 'task.set' && a.detail === 'discover'));
    assert.ok(audit.some((a) => a.action === 'task.set' && a.detail?.startsWith('image db01-mondo engine mondo')));
  });

  test('jobs: listed without their tokens, shown with events, cancelled by an operator only, once', async () => {
    const job = await createJob(dploy.server.store.db.manager, { hostId: hosts[0]!, kind: 'discover' }, 'runner:test', 'opened for the test');
    const list = await call('viewer', 'GET', `/api/v1/jobs?host=web01&active=true`);
    assert.equal(list.status, 200);
    const jobs = list.body.jobs as Array<Record<string, unknown>>;
    assert.deepEqual(
      jobs.map((j) => [j.id, j.kind, j.state]),
      [[job.id, 'discover', 'queued']],
    );
    assert.ok(!('token' in jobs[0]!), 'a job token never leaves dploy');
    const shown = await call('viewer', 'GET', `/api/v1/jobs/${job.id}`);
    assert.deepEqual(
      (shown.body.events as Array<{ toState: string; message: string }>).map((e) => [e.toState, e.message]),
      [['queued', 'opened for the test']],
    );
    assert.equal((await call('viewer', 'GET', '/api/v1/jobs/abc')).status, 400);
    assert.equal((await call('viewer', 'POST', `/api/v1/jobs/${job.id}/cancel`)).status, 403);
    const cancelled = await call('operator', 'POST', `/api/v1/jobs/${job.id}/cancel`);
    assert.deepEqual(cancelled.body, { id: job.id, state: 'cancelled' });
    const again = await call('operator', 'POST', `/api/v1/jobs/${job.id}/cancel`);
    assert.equal(again.status, 409);
    assert.match(String(again.body.message), /already ended \(cancelled\)/);
  });

  test('hosts: an operator adds one by hand and forgets it; a viewer may not; bad input is refused', async () => {
    const machine = { name: 'new01', macs: ['52:54:00:00:20:01'], bmcAddress: '192.0.2.99' };
    assert.equal((await call('viewer', 'POST', '/api/v1/hosts', machine)).status, 403);
    const added = await call('operator', 'POST', '/api/v1/hosts', machine);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.name, 'new01');
    assert.equal(added.body.bmcAddress, '192.0.2.99');
    assert.equal((await call('operator', 'POST', '/api/v1/hosts', machine)).status, 409);
    const badMac = await call('operator', 'POST', '/api/v1/hosts', { name: 'new02', macs: ['ff:ff:ff:ff:ff:ff'] });
    assert.equal(badMac.status, 400);
    assert.equal((await call('operator', 'POST', '/api/v1/hosts', { name: 'new02' })).status, 400);
    assert.equal((await call('viewer', 'DELETE', `/api/v1/hosts/new01`)).status, 403);
    const forgotten = await call('operator', 'DELETE', `/api/v1/hosts/new01`);
    assert.deepEqual(forgotten.body, { id: added.body.id, name: 'new01', forgotten: true });
    assert.equal((await call('viewer', 'GET', `/api/v1/hosts/new01`)).status, 404);
  });

  test('hosts come a page at a time with the total and a next link that walks the rest, filters kept', async () => {
    const first = await call('viewer', 'GET', '/api/v1/hosts');
    assert.deepEqual([(first.body.hosts as unknown[]).length, first.body.total, first.body.next], [3, 3, null], 'one page of 100 by default');
    const answer = await fetch(`${dploy.url}/api/v1/hosts?limit=2`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    const page = (await answer.json()) as { hosts: Array<{ name: string; macs: string[] }>; total: number; next: string };
    assert.deepEqual(
      page.hosts.map((h) => [h.name, h.macs]),
      [
        ['db01', ['52:54:00:00:10:02']],
        ['web01', ['52:54:00:00:10:00']],
      ],
    );
    assert.deepEqual([page.total, page.next], [3, '/api/v1/hosts?limit=2&after=web01']);
    assert.equal(answer.headers.get('link'), '</api/v1/hosts?limit=2&after=web01>; rel="next"');
    // A host added before the cursor while a script walks the pages neither shifts nor repeats the rest.
    const early = await call('operator', 'POST', '/api/v1/hosts', { name: 'aaa01', macs: ['52:54:00:00:30:01'] });
    const rest = await call('viewer', 'GET', page.next);
    assert.deepEqual([(rest.body.hosts as Array<{ name: string }>).map((h) => h.name), rest.body.total, rest.body.next], [['web02'], 4, null]);
    await call('operator', 'DELETE', `/api/v1/hosts/${String(early.body.id)}`);
    const found = await call('viewer', 'GET', '/api/v1/hosts?q=web&group=web&limit=1');
    assert.deepEqual([(found.body.hosts as Array<{ name: string }>).map((h) => h.name), found.body.total], [['web01'], 2]);
    assert.equal(found.body.next, '/api/v1/hosts?q=web&group=web&limit=1&after=web01');
    const skipped = await call('viewer', 'GET', '/api/v1/hosts?q=web&offset=1');
    assert.deepEqual([(skipped.body.hosts as Array<{ name: string }>).map((h) => h.name), skipped.body.next], [['web02'], null]);
    assert.equal((await call('viewer', 'GET', '/api/v1/hosts?limit=0')).status, 400);
    assert.equal((await call('viewer', 'GET', '/api/v1/hosts?sort=name')).status, 400);
    const both = await call('viewer', 'GET', '/api/v1/hosts?after=db01&offset=1');
    assert.deepEqual([both.status, both.body.message], [400, 'querystring: give after or offset, not both']);
  });

  test('settings: an admin reads the effective configuration; an operator is refused', async () => {
    const db = dploy.server.store.db.manager;
    await addUser(db, 'root-ish', 'admin', 'long enough password');
    await addUser(db, 'ops', 'operator', 'long enough password');
    const page = await getPage(`${dploy.url}/settings`, await login(dploy.url, 'root-ish', 'long enough password'));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<td>http.address<\/td><td><code>&quot;127.0.0.1&quot;<\/code>/);
    assert.match(html, /<td>database.url<\/td><td><code>sqlite:/);
    assert.match(html, /<td>runner.enabled<\/td><td><code>false<\/code>/);
    const refused = await getPage(`${dploy.url}/settings`, await login(dploy.url, 'ops', 'long enough password'));
    assert.deepEqual([refused.status, refused.headers.get('x-dploy-error')], [403, 'DPLOY_ERR_FORBIDDEN']);
  });

  test('images: a viewer reads them a page at a time but cannot verify or remove one; removal waits for the job using it', async () => {
    const db = dploy.server.store.db.manager;
    const storeDir = join(dploy.cwd, 'var', 'images');
    for (const name of ['img-a', 'img-b', 'img-c']) await seedImage(db, storeDir, name, { hostId: hosts[0]!, host: 'web01' });
    const first = await call('viewer', 'GET', '/api/v1/images?limit=2');
    const listed = first.body.images as Array<{ name: string; host: unknown; state: string; checksum: { status: string } }>;
    assert.deepEqual(
      listed.map((i) => [i.name, i.host, i.state, i.checksum.status]),
      [
        ['img-a', { id: hosts[0], name: 'web01' }, 'ready', 'unverified'],
        ['img-b', { id: hosts[0], name: 'web01' }, 'ready', 'unverified'],
      ],
    );
    assert.deepEqual([first.body.total, first.body.next], [3, '/api/v1/images?limit=2&after=img-b']);
    const rest = await call('viewer', 'GET', String(first.body.next));
    assert.deepEqual([(rest.body.images as Array<{ name: string }>).map((i) => i.name), rest.body.next], [['img-c'], null]);
    const shown = await call('viewer', 'GET', '/api/v1/images/img-a');
    assert.equal((shown.body.manifest as { filesystems: unknown[] }).filesystems.length, 2);
    assert.doesNotMatch(JSON.stringify(shown.body), new RegExp(storeDir), "the store's directory is not in the answer");
    assert.equal((await call('viewer', 'POST', '/api/v1/images/img-a/verify')).status, 403);
    const refused = await call('viewer', 'DELETE', '/api/v1/images/img-a');
    assert.deepEqual([refused.status, refused.body.error], [403, 'DPLOY_ERR_FORBIDDEN']);
    assert.match(String(refused.body.message), /manage-images needs the operator role; api:t-viewer has viewer/);
    const verified = await call('operator', 'POST', '/api/v1/images/img-a/verify');
    assert.deepEqual([verified.status, verified.body.status, verified.body.location], [202, 'verifying', '/api/v1/images/img-a']);
    const checksum = async () => ((await call('viewer', 'GET', '/api/v1/images/img-a')).body.checksum as { status: string }).status;
    // Two archives of a few KiB: read in moments, in the background.
    while ((await checksum()) === 'verifying') await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await checksum(), 'ok');
    const restore = await createJob(db, { hostId: hosts[1]!, kind: 'restore', image: 'img-a' }, 'runner:test', 'restoring');
    const busy = await call('operator', 'DELETE', '/api/v1/images/img-a');
    assert.deepEqual([busy.status, busy.body.message], [409, `image img-a is used by job ${restore.id}; cancel it or wait for it to end (dploy jobs show)`]);
    assert.equal(((await call('viewer', 'GET', '/api/v1/images/img-a')).body as { state: string }).state, 'in use');
    const states = ((await call('viewer', 'GET', '/api/v1/images')).body.images as Array<{ name: string; state: string }>).map((i) => [i.name, i.state]);
    assert.deepEqual(states, [
      ['img-a', 'in use'],
      ['img-b', 'ready'],
      ['img-c', 'ready'],
    ]);
    await call('operator', 'POST', `/api/v1/jobs/${restore.id}/cancel`);
    assert.deepEqual((await call('operator', 'DELETE', '/api/v1/images/img-a')).body, { name: 'img-a', removed: true });
    assert.equal(existsSync(join(storeDir, 'img-a')), false);
    assert.equal((await call('viewer', 'GET', '/api/v1/images/img-a')).status, 404);
    const audit = await listAudit(db);
    assert.ok(audit.some((a) => a.actor === 'api:t-operator' && a.action === 'image.remove' && a.target === 'img-a'));
  });

  test('groups are read with their members', async () => {
    const list = await call('viewer', 'GET', '/api/v1/groups');
    assert.deepEqual(list.body.groups, [{ id: 1, name: 'web', hostIds: hosts.slice(0, 2) }]);
    assert.equal((await call('viewer', 'GET', '/api/v1/groups/nosuch')).status, 404);
  });

  test('tokens: an operator cannot create one; an admin can, with a role, shown once', async () => {
    assert.equal((await call('operator', 'POST', '/api/v1/tokens', { name: 'sneaky', role: 'admin' })).status, 403);
    assert.equal((await call('operator', 'GET', '/api/v1/tokens')).status, 403);
    const made = await call('admin', 'POST', '/api/v1/tokens', { name: 'grafana', role: 'viewer' });
    assert.equal(made.status, 201);
    assert.equal(made.body.role, 'viewer');
    const listed = await call('admin', 'GET', '/api/v1/tokens');
    assert.doesNotMatch(JSON.stringify(listed.body), new RegExp(String(made.body.token)));
    assert.ok((listed.body.tokens as Array<{ name: string }>).some((t) => t.name === 'grafana'));
    const asGrafana = () => fetch(`${dploy.url}/api/v1/hosts`, { headers: { authorization: `Bearer ${String(made.body.token)}` } });
    assert.equal((await asGrafana()).status, 200);
    assert.equal((await call('operator', 'DELETE', `/api/v1/tokens/${String(made.body.id)}`)).status, 403);
    assert.deepEqual((await call('admin', 'DELETE', `/api/v1/tokens/${String(made.body.id)}`)).body, { id: made.body.id, revoked: true });
    assert.equal((await asGrafana()).status, 401, 'revoked at once');
    assert.equal((await call('admin', 'DELETE', `/api/v1/tokens/${String(made.body.id)}`)).status, 404);
  });
});

/** [method, url] of every route in fastify's printRoutes() tree: each line's segment joined to its ancestors'. */
function routeTable(tree: string): Array<[string, string]> {
  const stack: string[] = [];
  const routes: Array<[string, string]> = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push([method, stack.join('')]);
  }
  return routes;
}

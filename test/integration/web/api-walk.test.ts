// The OpenAPI document as a client generator would take it: a real OpenAPI
// validator (@seriousme/openapi-schema-validator) accepts it, and every
// operation it lists, called as an admin on a store holding a host, a group,
// a job with events, a profile and a captured image, answers a status the
// document lists with a body its schema for that status accepts (ajv, JSON
// Schema 2020-12: the dialect of OpenAPI 3.1); each body the walk sends is
// one the document's request schema accepts.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { startTrustServer, type TrustServer } from '../../support/trust-server.js';
import { seedImage } from '../../support/seeded-image.js';
import { addHost } from '../../../plugin/store/hosts.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';
import { appendEvent, createJob } from '../../../plugin/store/jobs.js';
import { storeProfile } from '../../../plugin/installers/index.js';
import { openSecretBox } from '../../../plugin/secret-box.js';

const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

interface Operation {
  responses: Record<string, { content?: { 'application/json': { schema: object } } }>;
  requestBody?: { content: { 'application/json': { schema: object } } };
}

let dploy: TrustServer;
let admin: string;
/** What each operation is called with: its path's {params}, and its body. */
let calls: Record<string, { params?: Record<string, string | number>; body?: unknown }>;

before(async () => {
  dploy = await startTrustServer('sqlite');
  const db = dploy.server.store.db.manager;
  admin = (await createApiToken(db, 'walker', 'admin')).token;
  const revoked = await createApiToken(db, 'to-revoke', 'viewer');
  const web01 = await addHost(db, { name: 'web01', macs: ['52:54:00:00:61:01'], bmcAddress: '192.0.2.61' });
  await addHost(db, { name: 'gone01', macs: ['52:54:00:00:61:02'] });
  const db01 = await addHost(db, { name: 'db01', macs: ['52:54:00:00:61:04'] });
  await createGroup(db, 'web', 'the web servers');
  await addGroupMembers(db, 'web', [web01.id]);
  const job = await createJob(db, { hostId: web01.id, kind: 'discover' }, 'runner:test', 'opened for the walk');
  await appendEvent(db, { job_id: job.id, at: new Date(), from_state: 'queued', to_state: 'queued', message: 'still queued', actor: 'agent' });
  await storeProfile(db, PROFILE, { replace: false, secrets: openSecretBox(join(dploy.cwd, 'var', 'secret.key')) });
  const storeDir = join(dploy.cwd, 'var', 'images');
  await seedImage(db, storeDir, 'web01-golden', { hostId: web01.id, host: 'web01' });
  await seedImage(db, storeDir, 'old-image', { host: 'long-forgotten' });
  calls = {
    'get /api/v1/hosts/{id}': { params: { id: 'web01' } },
    'post /api/v1/hosts': { body: { name: 'walk01', macs: ['52:54:00:00:61:03'], bmcAddress: '192.0.2.63' } },
    'delete /api/v1/hosts/{id}': { params: { id: 'gone01' } },
    'post /api/v1/tasks': { body: { target: '@web', task: 'localboot', force: true } },
    'get /api/v1/jobs/{id}': { params: { id: job.id } },
    'post /api/v1/jobs/{id}/cancel': {
      params: { id: (await createJob(db, { hostId: db01.id, kind: 'install', profile: 'debian-12-web' }, 'runner:test', 'x')).id },
    },
    'get /api/v1/groups/{name}': { params: { name: 'web' } },
    'post /api/v1/tokens': { body: { name: 'walk-made', role: 'operator' } },
    'delete /api/v1/tokens/{id}': { params: { id: revoked.id } },
    'get /api/v1/profiles/{name}': { params: { name: 'debian-12-web' } },
    'put /api/v1/profiles/{name}': { params: { name: 'debian-12-web' }, body: PROFILE },
    'get /api/v1/images/{name}': { params: { name: 'web01-golden' } },
    'post /api/v1/images/{name}/verify': { params: { name: 'web01-golden' } },
    'delete /api/v1/images/{name}': { params: { name: 'old-image' } },
  };
});
after(async () => dploy?.close());

test('the OpenAPI document is valid OpenAPI 3.1, and every operation answers as it documents', async () => {
  const document = (await (await fetch(`${dploy.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  const checked = await new Validator().validate(document);
  assert.deepEqual(checked, { valid: true }, JSON.stringify(checked.errors, null, 1));

  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  // Reads first, then writes, deletes last: a walk that removed the image before showing it would prove nothing.
  const order = { get: 0, put: 1, post: 1, delete: 2 } as Record<string, number>;
  const operations = Object.entries(document.paths)
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op, key: `${method} ${path}` })))
    .sort((a, b) => order[a.method]! - order[b.method]!);
  assert.ok(operations.length >= 21, `${operations.length} operations`);
  const walked: string[] = [];
  for (const { method, path, op, key } of operations) {
    const call = calls[key] ?? {};
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = call.params?.[name];
      assert.ok(value !== undefined, `${key}: the walk has no value for {${name}}`);
      return encodeURIComponent(String(value));
    });
    if (op.requestBody) {
      assert.ok(call.body !== undefined, `${key}: the walk has no body for it`);
      // The body the walk sends is one dploy takes: the document must describe it too.
      const body = ajv.compile(op.requestBody.content['application/json'].schema);
      assert.ok(body(call.body), `${key}: the documented request body refuses the walk's: ${ajv.errorsText(body.errors)}`);
    }
    const answer = await fetch(`${dploy.url}${url}`, {
      method: method.toUpperCase(),
      headers: { authorization: `Bearer ${admin}`, ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    });
    const text = await answer.text();
    assert.ok(answer.status < 300, `${key} as an admin: ${answer.status} ${text}`);
    const schema = op.responses[String(answer.status)]?.content?.['application/json'].schema;
    assert.ok(schema, `${key}: status ${answer.status} is not documented with a schema`);
    const validate = ajv.compile(schema);
    assert.ok(
      validate(JSON.parse(text)),
      `${key}: the answer does not match its documented schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 2000)}`,
    );
    walked.push(key);
  }
  assert.deepEqual(walked.filter((k) => !k.startsWith('get ') && !calls[k]).sort(), [], 'every write was called with its seeded values');
});

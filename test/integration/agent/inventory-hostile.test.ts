// Everything a booting machine sends is hostile until validated. Each bad
// upload below is built from this machine's REAL lshw document (mutated, not
// hand-written) and must get a 4xx with an operator's message while the
// database stays exactly as it was.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { request as httpRequest } from 'node:http';
import { runDploy } from '../../support/cli.js';
import { startServe, type ServeProcess } from '../../support/serve.js';

let serve: ServeProcess;
let cwd: string;
let token: string;
let lshw: string;

before(async () => {
  lshw = execFileSync('lshw', ['-xml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  cwd = mkdtempSync(join(tmpdir(), 'dploy-hostile-'));
  // Every test here posts hostile variants of one machine: each may re-inventory it.
  serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false', DPLOY_AGENT_REDISCOVER_KNOWN_HOSTS: 'true' } });
  token = (await runDploy(['token', 'enrollment'], { cwd })).stdout.trim();
});
after(() => serve.stop());

function counts(): { hosts: number; inventories: number; macs: number } {
  const db = new Database(join(cwd, 'var', 'dploy.sqlite'), { readonly: true });
  try {
    const one = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { hosts: one('dploy_hosts'), inventories: one('dploy_inventories'), macs: one('dploy_host_macs') };
  } finally {
    db.close();
  }
}

/**
 * node:http rather than fetch: a server may answer 413 before the client has
 * sent the whole body and close the socket, and the test must read that
 * early answer the way curl does instead of failing on the broken pipe.
 */
function post(body: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${serve.url}/agent/v1/inventory`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/xml', 'x-dploy-token': token, 'content-length': Buffer.byteLength(body), ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as { error: string; message: string } }));
      },
    );
    let answered = false;
    request.on('response', () => (answered = true));
    request.on('error', (err) => {
      if (!answered) reject(err);
    });
    request.end(body);
  });
}

async function refused(name: string, body: Buffer | string, headers: Record<string, string>, status: number, message: RegExp): Promise<void> {
  const before = counts();
  const answer = await post(body, headers);
  assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
  assert.match(answer.body.message, message, name);
  assert.deepEqual(counts(), before, `${name}: database unchanged`);
}

const mutate = (from: RegExp, to: string) => lshw.replace(from, to);

test('malformed XML: a document cut in the middle', () => refused('truncated XML', lshw.slice(0, Math.floor(lshw.length / 2)), {}, 400, /XML|lshw/i));

test('truncated gzip', () => refused('truncated gzip', gzipSync(lshw).subarray(0, 200), { 'content-encoding': 'gzip' }, 400, /not valid gzip/));

test('a gzip bomb stops at the size limit, after decompression', async () => {
  // 16 MiB of spaces gzip to 16 KiB (inflated on the event loop), 128 MiB to 130 KiB (in the thread pool).
  for (const mib of [16, 128]) {
    await refused(
      `gzip bomb ${mib} MiB`,
      gzipSync(Buffer.alloc(mib * 1024 * 1024, 0x20)),
      { 'content-encoding': 'gzip' },
      413,
      /expands to more than 8388608 bytes/,
    );
  }
});

test('an entity-expansion bomb (billion laughs) is refused', () => {
  const laughs =
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>';
  return refused(
    'billion laughs',
    lshw.replace(/(<\?xml[^>]*\?>)/, `$1${laughs}`).replace(/<description>[^<]*<\/description>/, '<description>&lol3;</description>'),
    {},
    400,
    /DOCTYPE|entit/i,
  );
});

test('an external entity (XXE) is refused and never read', () =>
  refused(
    'XXE',
    lshw
      .replace(/(<\?xml[^>]*\?>)/, '$1<!DOCTYPE node [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
      .replace(/<description>[^<]*<\/description>/, '<description>&xxe;</description>'),
    {},
    400,
    /DOCTYPE|entit/i,
  ));

test('a body over the limit is refused while it streams in', () => refused('over limit', lshw + ' '.repeat(9 * 1024 * 1024), {}, 413, /larger than the limit/));

test('a content type that is not an inventory', () =>
  refused('text/plain', lshw, { 'content-type': 'text/plain' }, 415, /Content-Type "text\/plain" is not an inventory/));

test('missing or wrong enrollment token', async () => {
  await refused('no token', lshw, { 'x-dploy-token': '' }, 401, /missing enrollment token/);
  await refused('wrong token', lshw, { 'x-dploy-token': 'x'.repeat(token.length) }, 401, /wrong enrollment token/);
});

test('an inventory with no NIC cannot identify a machine', () =>
  // The NIC nodes stay; their MACs (lshw's <serial> of a network node) go.
  refused('no NIC', lshw.replace(/<serial>([0-9a-f]{2}:){5}[0-9a-f]{2}<\/serial>/g, ''), {}, 400, /no physical network interface with a usable MAC/));

test('invalid UTF-8', () => {
  const bytes = Buffer.from(lshw, 'utf8');
  const at = bytes.indexOf(Buffer.from('<description>')) + '<description>'.length;
  return refused('invalid UTF-8', Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(at)]), {}, 400, /not valid UTF-8/);
});

test('lshw -short text posted as JSON', () =>
  refused(
    'not JSON',
    execFileSync('lshw', ['-short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    { 'content-type': 'application/json' },
    400,
    /JSON|lshw/i,
  ));

test('SQL metacharacters and 10 KB strings in every text field are stored as data, capped, never executed', async () => {
  const evil = `x'); DROP TABLE dploy_hosts; --"\\`;
  const huge = 'A'.repeat(10 * 1024);
  const doc = mutate(/<description>[^<]*<\/description>/g, `<description>${evil}</description>`)
    .replace(/<product>[^<]*<\/product>/g, `<product>${huge}</product>`)
    .replace(/<vendor>[^<]*<\/vendor>/g, `<vendor>${evil}${huge}</vendor>`);
  const answer = await post(doc);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const after = counts();
  assert.equal(after.hosts, 1, 'dploy_hosts still there, one machine');
  const shown = JSON.parse((await runDploy(['hosts', 'show', '1', '--json'], { cwd })).stdout) as { hardware: { cpuModel: string | null; disks: unknown[] } };
  assert.ok(shown.hardware.cpuModel === null || shown.hardware.cpuModel.length <= 255);
});

test('a rotated enrollment token is taken at once and the old one is refused within seconds', async () => {
  // The serve process holds the token in memory for 5 s (plugin/web/agent-auth.ts): post first so the old one is cached.
  assert.equal((await post(lshw)).status, 200, 'old token accepted before the rotation');
  const old = token;
  token = (await runDploy(['token', 'enrollment', '--rotate'], { cwd })).stdout.trim();
  assert.notEqual(token, old);
  assert.equal((await post(lshw)).status, 200, 'the new token works immediately');
  const deadline = Date.now() + 8000;
  let status = 200;
  while (Date.now() < deadline && status === 200) {
    status = (await post(lshw, { 'x-dploy-token': old })).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(status, 401, 'the old token is refused once the cache lapses');
  await refused('old token', lshw, { 'x-dploy-token': old }, 401, /wrong enrollment token/);
});

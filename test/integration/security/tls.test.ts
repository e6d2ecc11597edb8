// TLS for the operator's side (issue 20): with http.tlsCertFile/tlsKeyFile
// set, dploy serves everything over HTTPS on http.tlsPort, and refuses the
// API on the plain port, where an API token would travel in clear; booting
// machines keep plain HTTP (boot entries, inventories, answer files). The
// certificate is made by openssl at test time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineDocument, postInventory, startTrustServer } from '../../support/trust-server.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';
import { configSchema } from '../../../plugin/config/index.js';
import { startServer } from '../../../plugin/server.js';

function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=dploy-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (made.error || made.status !== 0) assert.fail(`openssl: ${made.error?.message ?? made.stderr} (apt-get install -y openssl)`);
  return { cert, key };
}

/** An HTTPS request that trusts only the test's certificate. */
function httpsGet(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, cookies: res.headers['set-cookie'] ?? [] }));
    })
      .on('error', reject)
      .end();
  });
}

test('with a certificate, the API is served over HTTPS and refused on the plain port; machines keep plain HTTP', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-tls-'));
  const files = selfSigned(dir);
  const ca = readFileSync(files.cert);
  const dploy = await startTrustServer('sqlite', { http: { tlsCertFile: files.cert, tlsKeyFile: files.key, tlsPort: 0 } });
  try {
    const tlsUrl = dploy.server.tlsUrl ?? assert.fail('no HTTPS listener');
    assert.match(tlsUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const { token } = await createApiToken(dploy.server.store.db.manager, 'tls-test');
    const bearer = { authorization: `Bearer ${token}` };

    const plainApi = await fetch(`${dploy.url}/api/v1/hosts`, { headers: bearer });
    assert.equal(plainApi.status, 403);
    const refusal = (await plainApi.json()) as { error: string; message: string };
    assert.equal(refusal.error, 'DPLOY_ERR_TLS_REQUIRED');
    assert.equal(refusal.message, `the API is served over HTTPS only: ${tlsUrl}/api/v1/hosts`);

    // A booting machine's routes stay on plain HTTP.
    assert.equal((await fetch(`${dploy.url}/healthz`)).status, 200);
    const posted = await postInventory(dploy.url, dploy.enrollment, machineDocument('52:54:00:aa:07:01'));
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.equal((await fetch(`${dploy.url}/boot/ipxe?mac=52:54:00:aa:07:02`)).status, 200);

    const api = await httpsGet(`${tlsUrl}/api/v1/hosts`, ca, bearer);
    assert.equal(api.status, 200, api.text);
    assert.deepEqual(
      (JSON.parse(api.text) as { hosts: Array<{ id: number }> }).hosts.map((h) => h.id),
      [Number(posted.body.host_id)],
    );
    assert.equal((await httpsGet(`${tlsUrl}/api/v1/hosts`, ca)).status, 401, 'HTTPS does not replace the token');
    assert.equal((await httpsGet(`${tlsUrl}/healthz`, ca)).status, 200, 'agents may use HTTPS too');
    await assert.rejects(fetch(`${tlsUrl.replace('https:', 'http:')}/api/v1/hosts`), 'no plain HTTP on the HTTPS port');

    // The console too: a page asked for on the plain port is sent to HTTPS, a posted form (a password) refused.
    const page = await fetch(`${dploy.url}/hosts/1?x=1`, { redirect: 'manual' });
    assert.equal(page.status, 301);
    assert.equal(page.headers.get('location'), `${tlsUrl}/hosts/1?x=1`);
    const form = await fetch(`${dploy.url}/login`, {
      method: 'POST',
      body: 'user=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 403);
    assert.equal(form.headers.get('x-dploy-error'), 'DPLOY_ERR_TLS_REQUIRED');
    const login = await httpsGet(`${tlsUrl}/login`, ca);
    assert.equal(login.status, 200);
    assert.match(login.cookies.join('\n'), /^dploy_login=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/m);
  } finally {
    await dploy.close();
  }
});

test("a certificate without its key, or a key that is not the certificate's, stops the start naming the setting", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-tls-'));
  const files = selfSigned(dir);
  assert.throws(() => configSchema.parse({ http: { tlsCertFile: files.cert } }), /tlsKeyFile.*TLS needs both the certificate and its key/s);
  const other = selfSigned(mkdtempSync(join(tmpdir(), 'dploy-tls-')));
  const config = (http: Record<string, unknown>) =>
    configSchema.parse({
      database: { url: `sqlite:${join(dir, 'dploy.sqlite')}` },
      http: { address: '127.0.0.1', port: 0, ...http },
      tftp: { enabled: false },
      runner: { enabled: false },
      installers: { secretKeyFile: join(dir, 'secret.key') },
      log: { level: 'silent' },
    });
  await assert.rejects(
    startServer(config({ tlsCertFile: files.cert, tlsKeyFile: other.key, tlsPort: 0 })),
    /http\.tlsCertFile .* are not a PEM certificate and its key/,
  );
  await assert.rejects(
    startServer(config({ tlsCertFile: join(dir, 'missing.pem'), tlsKeyFile: files.key, tlsPort: 0 })),
    /http\.tlsCertFile .*missing\.pem: ENOENT/,
  );
});

// /metrics as Prometheus scrapes it: jobs by kind and state from the database,
// every answered request timed by its route pattern (never its raw URL), and
// TFTP transfers and bytes (fetched with curl's TFTP client), Node's process
// metrics, in the text format 0.0.4.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTrustServer, type TrustServer } from '../../support/trust-server.js';
import { freePort } from '../../support/serve.js';
import { addHost } from '../../../plugin/store/hosts.js';
import { createJob } from '../../../plugin/store/jobs.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';

const run = promisify(execFile);
let dploy: TrustServer;
let tftpPort: number;
before(async () => {
  tftpPort = await freePort();
  dploy = await startTrustServer('sqlite', { tftp: { enabled: true, address: '127.0.0.1', port: tftpPort, workers: 1 } });
});
after(async () => dploy?.close());

test('jobs by kind and state, request times by route pattern and status, the process; no MAC or name in a label', async () => {
  const db = dploy.server.store.db.manager;
  const hosts = await Promise.all(['m1', 'm2', 'm3'].map((name, i) => addHost(db, { name, macs: [`52:54:00:00:40:0${i}`] })));
  for (const host of hosts.slice(0, 2)) await createJob(db, { hostId: host.id, kind: 'discover' }, 'runner:test', 'opened');
  await createJob(db, { hostId: hosts[2]!.id, kind: 'install', profile: 'debian-12-web' }, 'runner:test', 'opened');
  const { token } = await createApiToken(db, 'scraper', 'viewer');
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${dploy.url}/healthz`)).status, 200);
  const byMac = await fetch(`${dploy.url}/api/v1/hosts/52:54:00:00:40:01`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(byMac.status, 200);
  assert.equal((await fetch(`${dploy.url}/no/such/page`)).status, 404);

  // A machine dploy does not know asks for its pxelinux entry (served: discover), then for a file that is not there.
  const entry = await run('curl', ['-sS', '--max-time', '10', `tftp://127.0.0.1:${tftpPort}/pxelinux.cfg/01-52-54-00-00-50-01`]);
  assert.match(entry.stdout, /dploy/);
  await assert.rejects(run('curl', ['-sS', '--max-time', '10', `tftp://127.0.0.1:${tftpPort}/no-such-file.bin`]));

  const answer = await fetch(`${dploy.url}/metrics`);
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await answer.text();
  assert.match(text, /^# TYPE dploy_jobs gauge$/m);
  assert.match(text, /^dploy_jobs\{kind="discover",state="queued"\} 2$/m);
  assert.match(text, /^dploy_jobs\{kind="install",state="queued"\} 1$/m);
  // Every kind's every state is a series before its first job, ended states included, so rate() sees the first one.
  for (const series of ['kind="install",state="booting"', 'kind="install",state="done"', 'kind="restore",state="failed"', 'kind="discover",state="cancelled"'])
    assert.match(text, new RegExp(`^dploy_jobs\\{${series}\\} 0$`, 'm'), series);
  assert.match(text, /^# TYPE dploy_http_request_duration_seconds histogram$/m);
  assert.match(text, /^dploy_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 3$/m);
  assert.match(text, /^dploy_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/healthz",status_code="200"\} 3$/m);
  assert.match(text, /^dploy_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/hosts\/:id",status_code="200"\} 1$/m);
  assert.match(text, /^dploy_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1$/m);
  assert.doesNotMatch(text, /52:54:00|no\/such|m1/, 'labels carry route patterns, never what was asked for');
  assert.match(text, /^dploy_inventory_documents 0$/m);
  assert.match(text, /^dploy_tftp_transfers_total\{outcome="completed"\} 1$/m);
  assert.match(text, /^dploy_tftp_transfers_total\{outcome="refused"\} 1$/m);
  assert.match(text, new RegExp(`^dploy_tftp_sent_bytes_total ${Buffer.byteLength(entry.stdout)}$`, 'm'));
  assert.match(text, /^dploy_tftp_active_transfers 0$/m);
  assert.match(text, /^process_cpu_seconds_total \d/m);
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds \d/m);
});

// dploy's HTTP side started in-process on port 0 over a fresh database, for
// the attacks of test/integration/security: the same composition root as
// `dploy serve`, with TFTP and the runner off and every log line kept.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { configSchema } from '../../plugin/config/index.js';
import type { Dialect } from '../../plugin/store/dialect.js';
import { openStore } from '../../plugin/store/database.js';
import { migrate } from '../../plugin/store/migrate.js';
import { enrollmentToken } from '../../plugin/store/settings.js';
import { startServer, type RunningServer } from '../../plugin/server.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { runDploy } from './cli.js';
import assert from 'node:assert/strict';
import { listJobs } from '../../plugin/store/jobs.js';
import { jobTokensFromKeyFile } from '../../plugin/jobs/job-token.js';
import type { Job } from '../../plugin/model/job.js';

export const LSHW = readFileSync(new URL('../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');

export interface TrustServer {
  server: RunningServer;
  url: string;
  cwd: string;
  databaseUrl: string;
  /** The URL token of a job, as its boot entry carries it. */
  jobToken(job: Pick<Job, 'id' | 'token'>): string;
  enrollment: string;
  /** Every line the server logged, as JSON text. */
  log(): string;
  close(): Promise<void>;
}

/**
 * `reach` rewrites the URL dploy serve uses (a relay in front of the database); migrations go direct.
 * `database`: an empty database of the test's own (e.g. a private server) instead of a fresh one on the shared server.
 */
export async function startTrustServer(
  dialect: Dialect,
  overrides: Record<string, Record<string, unknown>> = {},
  reach: (url: string) => string = (url) => url,
  given?: TestDatabase,
): Promise<TrustServer> {
  const database = given ?? (await createTestDatabase(dialect));
  if (dialect !== 'sqlite') {
    const store = await openStore(database.url);
    await migrate(store.db, dialect).finally(() => store.close());
  }
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-trust-'));
  let lines = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines += String(chunk);
      done();
    },
  });
  const config = configSchema.parse({
    ...overrides,
    database: { url: reach(database.url) },
    http: { address: '127.0.0.1', port: 0, ...overrides.http },
    tftp: { enabled: false, root: join(cwd, 'var', 'tftp'), ...overrides.tftp },
    runner: { enabled: false },
    // The CLI's defaults, so that `dploy profiles add` run in cwd seals with the server's key.
    installers: { secretKeyFile: join(cwd, 'var', 'secret.key'), mirrorDir: join(cwd, 'var', 'mirror') },
    log: { level: 'info' },
  });
  const server = await startServer(config, { logStream: stream });
  const enrollment = await enrollmentToken(server.store.db.manager);
  return {
    server,
    url: server.url,
    cwd,
    databaseUrl: database.url,
    enrollment,
    log: () => lines,
    jobToken: (job) => jobTokensFromKeyFile(join(cwd, 'var', 'secret.key')).tokenFor(job),
    close: async () => {
      try {
        await server.close();
      } finally {
        await database.drop();
      }
    },
  };
}

/** An lshw document of one machine: the fixture with its MACs (the second made from the first), UUID (from the MAC), serial and disk serial replaced. */
export function machineDocument(mac: string, serial = 'DPLOY-FIX-0002', diskSerial = 'DPLOYNVME0001'): string {
  return LSHW.split('52:54:00:d0:00:12')
    .join(mac)
    .split('52:54:00:d0:00:11')
    .join(`02${mac.slice(2)}`)
    .split('DPLOY-FIX-0002')
    .join(serial)
    .split('DPLOYNVME0001')
    .join(diskSerial)
    .split('6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a02')
    .join(`6f1c2a9e-3b4d-4e5f-8a7b-${mac.replace(/:/g, '')}`);
}

export async function postInventory(url: string, token: string, document: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/agent/v1/inventory`, {
    method: 'POST',
    body: document,
    headers: { 'content-type': 'application/xml', 'x-dploy-token': token },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A request from another loopback address: a second machine on the provisioning network. */
export function requestFrom(
  localAddress: string,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const PROFILE = new URL('../fixtures/profiles/debian-12-web.yaml', import.meta.url).pathname;

/** A machine discovered, an install task set, and the job opened by the runner, as an operator does it. */
export async function installJob(dploy: TrustServer, mac: string): Promise<Job> {
  const cli = (...args: string[]) => runDploy(args, { cwd: dploy.cwd, env: { DPLOY_DATABASE_URL: dploy.databaseUrl } });
  const hostName = String((await postInventory(dploy.url, dploy.enrollment, machineDocument(mac))).body.host_name);
  for (const args of [
    ['profiles', 'add', PROFILE],
    ['task', 'set', hostName, 'install', '--profile', 'debian-12-web'],
    ['runner', '--once'],
  ]) {
    const run = await cli(...args);
    assert.equal(run.code, 0, `dploy ${args.join(' ')}: ${run.stderr}`);
  }
  const [job] = await listJobs(dploy.server.store.db.manager, { active: true });
  assert.ok(job, 'the runner opened the install job');
  return job;
}

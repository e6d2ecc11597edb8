// dploy's HTTP side started in-process on port 0 over a fresh database, for
// the attacks of test/integration/security: the same composition root as
// `dploy serve`, with TFTP and the runner off and every log line kept.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { configSchema } from '../../plugin/config/index.js';
import type { Dialect } from '../../plugin/store/dialect.js';
import { openStore } from '../../plugin/store/database.js';
import { migrate } from '../../plugin/store/migrate.js';
import { enrollmentToken } from '../../plugin/store/settings.js';
import { startServer, type RunningServer } from '../../plugin/server.js';
import { createTestDatabase } from './databases.js';

export const LSHW = readFileSync(new URL('../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');

export interface TrustServer {
  server: RunningServer;
  url: string;
  cwd: string;
  enrollment: string;
  /** Every line the server logged, as JSON text. */
  log(): string;
  close(): Promise<void>;
}

export async function startTrustServer(dialect: Dialect, overrides: Record<string, Record<string, unknown>> = {}): Promise<TrustServer> {
  const database = await createTestDatabase(dialect);
  if (dialect !== 'sqlite') {
    const store = await openStore(database.url);
    await migrate(store.db, dialect).finally(() => store.close());
  }
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-trust-'));
  let lines = '';
  const stream = new Writable({ write(chunk, _encoding, done) { lines += String(chunk); done(); } });
  const config = configSchema.parse({
    ...overrides,
    database: { url: database.url },
    http: { address: '127.0.0.1', port: 0, ...overrides.http },
    tftp: { enabled: false, root: join(cwd, 'tftp') },
    runner: { enabled: false },
    installers: { secretKeyFile: join(cwd, 'secret.key'), mirrorDir: join(cwd, 'mirror') },
    log: { level: 'info' },
  });
  const server = await startServer(config, { logStream: stream });
  const enrollment = await enrollmentToken(server.store.db.manager);
  return {
    server, url: server.url, cwd, enrollment, log: () => lines,
    close: async () => { await server.close(); await database.drop(); },
  };
}

/** An lshw document of one machine: the fixture with its MAC, serial and disk serial replaced. */
export function machineDocument(mac: string, serial = 'DPLOY-FIX-0002', diskSerial = 'DPLOYNVME0001'): string {
  return LSHW.split('52:54:00:d0:00:12').join(mac).split('DPLOY-FIX-0002').join(serial).split('DPLOYNVME0001').join(diskSerial);
}

export async function postInventory(url: string, token: string, document: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/agent/v1/inventory`, { method: 'POST', body: document, headers: { 'content-type': 'application/xml', 'x-dploy-token': token } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

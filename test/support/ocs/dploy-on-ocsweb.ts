// dploy running inside the real OCS stack: `dploy migrate` with platform ocs
// on ocsweb (the database OCS's console and communication server use), then
// `dploy serve` on it, as a site would run it. Each test removes the
// machines it made (by MAC) from both dploy's tables and OCS's.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../plugin/store/database.js';
import { enrollmentToken } from '../../../plugin/store/settings.js';
import { runDploy } from '../cli.js';
import { ocsStack } from '../ocs-stack.js';
import { startServe, type ServeProcess } from '../serve.js';
import { deleteComputers, ocsDb } from './db.js';

export interface DployOnOcs {
  serve: ServeProcess;
  token: string;
  env: Record<string, string>;
  cwd: string;
  /** Removes every machine with one of these MACs from dploy and from OCS. */
  forget(macs: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startDployOnOcs(): Promise<DployOnOcs> {
  const { databaseUrl: url, consoleUrl } = ocsStack();
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-on-ocs-'));
  const env = {
    DPLOY_PLATFORM: 'ocs',
    DPLOY_DATABASE_URL: url,
    DPLOY_LOG_LEVEL: 'warn',
    DPLOY_RUNNER_ENABLED: 'false',
    DPLOY_TFTP_ENABLED: 'false',
    // dploy's host pages link to each computer's page in this OCS console.
    DPLOY_OCS_CONSOLE_URL: consoleUrl,
  };
  const migrated = await runDploy(['migrate'], { cwd, env });
  if (migrated.code !== 0) throw new Error(`dploy migrate on ocsweb failed:\n${migrated.stderr}`);
  const store = await openStore(url);
  const token = await enrollmentToken(store.db.manager).finally(() => store.close());
  const serve = await startServe({ cwd, env });
  return {
    serve,
    token,
    env,
    cwd,
    async forget(macs) {
      const db = await ocsDb();
      try {
        const [computers] = (await db.query('SELECT DISTINCT HARDWARE_ID AS id FROM networks WHERE MACADDR IN (?)', [macs])) as unknown as [
          Array<{ id: number }>,
        ];
        await deleteComputers(
          db,
          computers.map((c) => Number(c.id)),
        );
        await db.query('DELETE h FROM dploy_hosts h JOIN dploy_host_macs m ON m.host_id = h.id WHERE m.mac IN (?)', [macs]);
      } finally {
        await db.end();
      }
    },
    stop: async () => {
      await serve.stop();
    },
  };
}

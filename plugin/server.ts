// Composition root for `dploy serve`: builds every service from its slice of
// the configuration and wires them together. Nothing else reads the config.

import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { resolve } from 'node:path';
import { buildBootService, httpBaseUrl, startTftp } from './boot-wiring.js';
import { kindsFromConfig, runnerOptions, scheduleRunner } from './jobs/index.js';
import { openPlatform } from './platforms/index.js';
import { installImageProvider, mirrorView } from './installers/index.js';
import { jobTokensFromKeyFile } from './jobs/job-token.js';
import { inventoryParser, type InventoryParser } from './inventory/parse-pool.js';
import { availableParallelism } from 'node:os';
import type { Store } from './store/database.js';
import { VERSION } from './version.js';
import { buildWebApp } from './web/app.js';
import type { TftpServer } from './tftp/index.js';
import { DHCP_PROVIDERS } from './dhcp/index.js';
import { createDhcpSync, type DhcpSync } from './dhcp/dhcp-sync.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Where log lines go instead of stdout (tests read what was logged). */
  logStream?: { write(line: string): void };
}

export async function startServer(config: Readonly<Config>, options: ServerOptions = {}): Promise<RunningServer> {
  // A host tool dploy cannot use (not OCS, an untested OCS schema, fields not registered) stops the start, with the reason.
  const { store, platform } = await openPlatform(config.platform, config.database.url, { ocs: config.ocs });
  let app: FastifyInstance | undefined;
  let tftp: TftpServer | undefined;
  let dhcp: DhcpSync | undefined;
  let inventoryThreads: InventoryParser | undefined;
  try {
    const kinds = kindsFromConfig(config);
    let baseUrl = '';
    // Answer files and boot entries install from imported media when the mirror has them.
    const mirror = mirrorView(config.installers.mirrorDir, () => baseUrl);
    const jobTokens = jobTokensFromKeyFile(resolve(config.installers.secretKeyFile));
    // One or two threads: a crafted document is rare, and the cores are the TFTP workers' and the database's too.
    inventoryThreads = inventoryParser(Math.max(1, Math.min(2, availableParallelism() - 1)));
    const boot = buildBootService(config, store.db, () => baseUrl, installImageProvider(store.db, () => baseUrl, { mirror, jobTokens }));
    app = buildWebApp({
      db: store.db, platform, kinds, boot, tftpRoot: resolve(config.tftp.root), httpBaseUrl: () => baseUrl, version: VERSION,
      bodyLimitBytes: config.http.bodyLimitBytes, logger: { level: config.log.level, ...(options.logStream ? { stream: options.logStream } : {}) },
      onHostsChanged: () => dhcp?.poke(),
      rediscoverKnownHosts: config.agent.rediscoverKnownHosts, answerFetches: config.agent.answerFetches, callbackSeconds: config.runner.installTimeoutSeconds, jobTokens, inventoryParser: inventoryThreads,
      rateLimit: { perSecond: config.agent.ratePerSource, burst: config.agent.ratePerSource * 10, exempt: config.agent.rateLimitExempt.split(/\s+/).filter(Boolean) },
      mirror, mirrorHttp: { mirrorDir: resolve(config.installers.mirrorDir), mirror },
      secretKeyFile: resolve(config.installers.secretKeyFile),
      ...(config.installers.templateDir ? { answerTemplateDir: resolve(config.installers.templateDir) } : {}),
    });
    await app.listen({ host: config.http.address, port: config.http.port });
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : config.http.port;
    baseUrl = httpBaseUrl(config, port);
    if (config.tftp.enabled) tftp = await startTftp(config, boot, app.log); // the TFTP service adds its capability to every line
    if (config.dhcp.server !== 'none') {
      dhcp = createDhcpSync({
        db: store.db, provider: DHCP_PROVIDERS[config.dhcp.server](), hostsFile: resolve(config.dhcp.hostsFile), schedule: config.dhcp.schedule,
        bootOptions: { nextServer: config.dhcp.nextServer || new URL(baseUrl).hostname, httpBaseUrl: baseUrl },
        ...(config.dhcp.reloadCommand.trim() ? { reloadCommand: config.dhcp.reloadCommand.trim().split(/\s+/) } : {}),
        log: app.log.child({ capability: 'dhcp' }),
      });
      await dhcp.sync(true);
    }
    const runner = config.runner.enabled
      ? scheduleRunner(config.runner.schedule, runnerOptions(config, store, platform, app.log.child({ capability: 'runner' })))
      : undefined;
    app.log.info({ platform: platform.name, database: store.target.display, port, baseUrl, tftp: tftp ? `${config.tftp.address}:${config.tftp.port}` : 'off' }, 'dploy serving');
    const web = app;
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await runner?.stop();
        await dhcp?.stop();
        await tftp?.close();
        await web.close();
        await inventoryThreads?.close();
        await store.close();
      })());
    return { app: web, store, url: `http://${config.http.address === '0.0.0.0' ? '127.0.0.1' : config.http.address}:${port}`, close };
  } catch (err) {
    // Whatever started must stop, or the process would linger on its sockets.
    await dhcp?.stop();
    await tftp?.close();
    await app?.close();
    await inventoryThreads?.close();
    await store.close();
    throw err;
  }
}

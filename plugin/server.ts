// Composition root for `dploy serve`: builds every service from its slice of
// the configuration and wires them together. Nothing else reads the config.

import type { FastifyInstance } from 'fastify';
import { shownConfig, type Config } from './config/index.js';
import { resolve } from 'node:path';
import {
  dhcpBootOptions,
  discoverImageSettings,
  restoreEnvironment,
  bootVariablesFor,
  buildBootService,
  httpBaseUrl,
  measureBootLoad,
  startTftp,
} from './boot-wiring.js';
import { restoreImageProvider } from './images/restore-boot.js';
import { imageVerifies } from './images/image-verifies.js';
import { discoveryAtStart } from './bootenv/discover-image.js';
import { kindsFromConfig, restorePathsOf, runnerOptions, scheduleRunner, type BootLoad } from './jobs/index.js';
import { openPlatform } from './platforms/index.js';
import { installImageProvider, mirrorView } from './installers/index.js';
import { jobTokensFromKeyFile } from './jobs/job-token.js';
import { inventoryParser, type InventoryParser } from './inventory/parse-pool.js';
import { availableParallelism } from 'node:os';
import type { Store } from './store/database.js';
import { startWalCheckpointer, type WalCheckpointer } from './store/sqlite-checkpoint.js';
import { VERSION } from './version.js';
import { buildWebApp, type WebDeps } from './web/app.js';
import { createMetrics } from './web/dploy-metrics.js';
import { readTlsFiles } from './web/tls.js';
import type { TftpServer } from './tftp/index.js';
import type { ServedRate } from './power/index.js';
import { DHCP_PROVIDERS } from './dhcp/index.js';
import { createDhcpSync, type DhcpSync } from './dhcp/dhcp-sync.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  /** https://host:port when http.tlsCertFile is set. */
  tlsUrl?: string;
  /** What boot waves are sized from: the TFTP and HTTP services' measure, a machine's fetch size. */
  bootLoad: BootLoad;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Where log lines go instead of stdout (tests read what was logged). */
  logStream?: { write(line: string): void };
}

export async function startServer(config: Readonly<Config>, options: ServerOptions = {}): Promise<RunningServer> {
  // A host tool dploy cannot use (not OCS, an untested OCS schema, fields not registered) stops the start, with the reason.
  const { store, platform } = await openPlatform(config.platform, config.database.url, { ocs: config.ocs, sim: config.sim });
  let app: FastifyInstance | undefined;
  let tlsApp: FastifyInstance | undefined;
  let tftp: TftpServer | undefined;
  let dhcp: DhcpSync | undefined;
  let inventoryThreads: InventoryParser | undefined;
  let served: ServedRate | undefined;
  let checkpointer: WalCheckpointer | undefined;
  const verifies = imageVerifies(store.db.manager);
  try {
    const kinds = kindsFromConfig(config);
    let baseUrl = '';
    // Answer files and boot entries install from imported media when the mirror has them.
    const mirror = mirrorView(config.installers.mirrorDir, () => baseUrl);
    const jobTokens = jobTokensFromKeyFile(resolve(config.installers.secretKeyFile));
    // One or two threads: a crafted document is rare, and the cores are the TFTP workers' and the database's too.
    inventoryThreads = inventoryParser(Math.max(1, Math.min(2, availableParallelism() - 1)));
    const images = {
      install: installImageProvider(store.db, () => baseUrl, { mirror, jobTokens }),
      restore: restoreImageProvider(store.db, {
        bootEnvironment: restoreEnvironment(config),
        httpBaseUrl: () => baseUrl,
        tokenFor: (job) => jobTokens.tokenFor(job),
        mondoNetfs: config.images.mondoNetfs,
      }),
    };
    const boot = buildBootService(config, store.db, () => baseUrl, images);
    const staticBytes = { bytes: 0 };
    const measure = measureBootLoad(
      config,
      bootVariablesFor(config, store.db, () => baseUrl, images),
      () => ({
        tftp: tftp?.stats().bytesSent ?? 0,
        http: staticBytes.bytes,
      }),
    );
    served = measure.served;
    const webDeps: WebDeps = {
      db: store.db,
      platform,
      kinds,
      boot,
      tftpRoot: resolve(config.tftp.root),
      httpBaseUrl: () => baseUrl,
      version: VERSION,
      bodyLimitBytes: config.http.bodyLimitBytes,
      logger: { level: config.log.level, ...(options.logStream ? { stream: options.logStream } : {}) },
      onHostsChanged: () => dhcp?.poke(),
      rediscoverKnownHosts: config.agent.rediscoverKnownHosts,
      inventoriesKept: config.agent.inventoriesKept,
      answerFetches: config.agent.answerFetches,
      restorePaths: restorePathsOf(config),
      imageVerifies: verifies,
      callbackSeconds: config.runner.installTimeoutSeconds,
      jobTokens,
      inventoryParser: inventoryThreads,
      rateLimit: {
        perSecond: config.agent.ratePerSource,
        burst: config.agent.ratePerSource * 10,
        exempt: config.agent.rateLimitExempt.split(/\s+/).filter(Boolean),
      },
      mirror,
      mirrorHttp: { mirrorDir: resolve(config.installers.mirrorDir), mirror },
      staticBytes,
      secretKeyFile: resolve(config.installers.secretKeyFile),
      settings: shownConfig(config),
      metrics: createMetrics({
        db: store.db,
        kinds,
        inventoriesKept: config.agent.inventoriesKept,
        tftpStats: () => tftp?.stats(),
        staticBytes,
        bootPeak: () => measure.load.peak(),
      }),
      ...(config.platform === 'ocs' && config.ocs.consoleUrl ? { ocsConsoleUrl: config.ocs.consoleUrl } : {}),
      ...(config.installers.templateDir ? { answerTemplateDir: resolve(config.installers.templateDir) } : {}),
    };
    const tlsFiles = config.http.tlsCertFile ? readTlsFiles(resolve(config.http.tlsCertFile), resolve(config.http.tlsKeyFile)) : undefined;
    let tlsPort = config.http.tlsPort;
    app = buildWebApp(webDeps, tlsFiles ? { apiOnTlsPort: () => tlsPort } : {});
    const storeLog = app.log.child({ capability: 'store' });
    checkpointer = startWalCheckpointer(store, (err) => storeLog.warn({ err }, err.message));
    await app.listen({ host: config.http.address, port: config.http.port });
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : config.http.port;
    baseUrl = httpBaseUrl(config, port);
    if (tlsFiles) {
      tlsApp = buildWebApp(webDeps, { https: tlsFiles });
      await tlsApp.listen({ host: config.http.address, port: config.http.tlsPort });
      const tlsBound = tlsApp.server.address();
      tlsPort = typeof tlsBound === 'object' && tlsBound ? tlsBound.port : config.http.tlsPort;
    }
    if (config.tftp.enabled) tftp = await startTftp(config, boot, app.log); // the TFTP service adds its capability to every line
    if (config.dhcp.server !== 'none') {
      dhcp = createDhcpSync({
        db: store.db,
        provider: DHCP_PROVIDERS[config.dhcp.server](),
        hostsFile: resolve(config.dhcp.hostsFile),
        schedule: config.dhcp.schedule,
        bootOptions: dhcpBootOptions(config, baseUrl),
        ...(config.dhcp.reloadCommand.trim() ? { reloadCommand: config.dhcp.reloadCommand.trim().split(/\s+/) } : {}),
        log: app.log.child({ capability: 'dhcp' }),
      });
      await dhcp.sync(true);
    }
    const runner = config.runner.enabled
      ? scheduleRunner(config.runner.schedule, runnerOptions(config, store, platform, app.log.child({ capability: 'runner' }), measure.load))
      : undefined;
    const discovery = discoveryAtStart(discoverImageSettings(config));
    if (discovery.warning && config.tftp.enabled) app.log.warn(discovery.warning);
    app.log.info(
      {
        platform: platform.name,
        database: store.target.display,
        port,
        ...(tlsApp ? { tlsPort } : {}),
        baseUrl,
        tftp: tftp ? `${config.tftp.address}:${config.tftp.port}` : 'off',
        discovery: discovery.discovery,
      },
      'dploy serving',
    );
    const web = app;
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await runner?.stop();
        served?.stop();
        await dhcp?.stop();
        await tftp?.close();
        await web.close();
        await tlsApp?.close();
        // After the listeners (no verify starts any more), before the database (an interrupted one says so in the audit log).
        await verifies.close();
        await inventoryThreads?.close();
        await checkpointer?.close();
        await store.close();
      })());
    const host = config.http.address === '0.0.0.0' ? '127.0.0.1' : config.http.address;
    return { app: web, store, bootLoad: measure.load, url: `http://${host}:${port}`, ...(tlsApp ? { tlsUrl: `https://${host}:${tlsPort}` } : {}), close };
  } catch (err) {
    // Whatever started must stop, or the process would linger on its sockets.
    served?.stop();
    await dhcp?.stop();
    await tftp?.close();
    await app?.close();
    await tlsApp?.close();
    await verifies.close();
    await inventoryThreads?.close();
    await checkpointer?.close();
    await store.close();
    throw err;
  }
}

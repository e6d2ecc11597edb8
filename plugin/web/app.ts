// The fastify application: agent API, JSON API, console. Built from the
// services the composition root hands in; reads no global config.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DataSource } from 'typeorm';
import type { JobKinds } from '../jobs/index.js';
import type { JobTokens } from '../jobs/job-token.js';
import type { InventoryParser } from '../inventory/parse-pool.js';
import type { Platform } from '../platforms/index.js';
import { registerErrorHandler } from './errors.js';
import { apiOverTlsOnly, type TlsFiles } from './tls.js';
import { redactedRequest } from './log-redaction.js';
import { agentRateLimit, type RateLimit } from './rate-limit.js';
import { agentInventoryRoutes } from './routes/agent-inventory.js';
import { apiProfileRoutes } from './routes/api-profiles.js';
import { agentJobRoutes } from './routes/agent-jobs.js';
import { bootHttpRoutes } from './routes/boot-http.js';
import { answerRoutes } from './routes/answers.js';
import { mirrorHttpRoutes, type MirrorDeps } from './routes/mirror-http.js';
import { restoreImageRoutes } from './routes/restore-images.js';
import type { MirrorView } from '../installers/index.js';
import type { BootService } from '../boot/boot-service.js';
import { apiHostRoutes } from './routes/api-hosts.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

export interface WebDeps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
  boot: BootService;
  tftpRoot: string;
  httpBaseUrl: () => string;
  version: string;
  bodyLimitBytes: number;
  logger: FastifyServerOptions['logger'];
  /** Imported install media served at /mirror/ (installers.mirrorDir); answer files point at it. */
  mirrorHttp?: MirrorDeps;
  mirror?: MirrorView;
  /** Operator's answer templates (installers.templateDir), searched before pxe/answers/. */
  answerTemplateDir?: string;
  /** installers.secretKeyFile: opens the sealed password hashes of profiles. */
  secretKeyFile?: string;
  /** agent.rediscoverKnownHosts: any enrollment-token post may re-inventory a known machine. */
  rediscoverKnownHosts?: boolean;
  /** agent.inventoriesKept: distinct documents kept per host. */
  inventoriesKept?: number;
  /** runner.installTimeoutSeconds: how long an installer's callbacks retry. */
  callbackSeconds?: number;
  /** agent.answerFetches: times an install job's answer file is served. */
  answerFetches: number;
  /** Parses posted inventories, large ones on worker threads. */
  inventoryParser: InventoryParser;
  /** agent.ratePerSource and agent.rateLimitExempt. */
  rateLimit: RateLimit;
  /** Makes and checks job tokens (the key of installers.secretKeyFile). */
  jobTokens: JobTokens;
  /** A machine was discovered: the DHCP hosts file may need a rewrite. */
  onHostsChanged?: () => void;
}

/** Which listener the app is (tls.ts): the HTTPS one, or the plain one of a dploy that has HTTPS (API refused there). */
export interface Listener {
  https?: TlsFiles;
  /** The HTTPS port /api must be reached on; the plain listener refuses /api. */
  apiOnTlsPort?: () => number;
}

export function buildWebApp(deps: WebDeps, listener: Listener = {}): FastifyInstance {
  const logger =
    deps.logger && typeof deps.logger === 'object' ? { ...deps.logger, serializers: { ...deps.logger.serializers, req: redactedRequest } } : deps.logger;
  // Fastify types an HTTPS instance by its server; the routes use none of the server's own API.
  const app = Fastify({
    logger: logger ?? false,
    bodyLimit: deps.bodyLimitBytes,
    ...(listener.https ? { https: listener.https } : {}),
  }) as unknown as FastifyInstance;
  registerErrorHandler(app);
  if (listener.apiOnTlsPort) app.addHook('onRequest', apiOverTlsOnly(listener.apiOnTlsPort));
  app.addHook('onRequest', agentRateLimit(deps.rateLimit));
  healthRoutes(app, deps);
  metricsRoutes(app, deps);
  apiHostRoutes(app, deps);
  apiProfileRoutes(app, deps);
  agentInventoryRoutes(app, deps);
  agentJobRoutes(app, deps);
  bootHttpRoutes(app, deps);
  answerRoutes(app, deps);
  mirrorHttpRoutes(app, deps);
  restoreImageRoutes(app, deps);
  return app;
}

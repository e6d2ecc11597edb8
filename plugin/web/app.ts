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
import { agentBmcRoutes } from './routes/agent-bmc.js';
import { apiProfileRoutes } from './routes/api-profiles.js';
import { agentJobRoutes } from './routes/agent-jobs.js';
import { bootHttpRoutes } from './routes/boot-http.js';
import { answerRoutes } from './routes/answers.js';
import { mirrorHttpRoutes, type MirrorDeps } from './routes/mirror-http.js';
import type { SentBytes } from './static-file.js';
import { restoreImageRoutes } from './routes/restore-images.js';
import type { MirrorView } from '../installers/index.js';
import type { BootService } from '../boot/boot-service.js';
import { apiHostRoutes } from './routes/api-hosts.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { timeRequests, type DployMetrics } from './dploy-metrics.js';
import { consolePages } from './console/index.js';
import { collectApiRoutes } from './openapi.js';
import { apiTaskRoutes } from './routes/api-tasks.js';
import { apiJobRoutes } from './routes/api-jobs.js';
import { apiGroupRoutes } from './routes/api-groups.js';
import { apiTokenRoutes } from './routes/api-tokens.js';
import { apiImageRoutes } from './routes/api-images.js';
import type { ImageVerifies } from '../images/image-verifies.js';
import { sendfileEngine } from './sendfile-engine.js';
import { answerMirrorOnNativeThreads } from './static-connections.js';

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
  /** Bytes /boot/files and /mirror have sent, a running total boot waves are sized from (docs/power.md). */
  staticBytes?: SentBytes;
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
  /** images.restorePaths: what a rebuild restores into the reinstalled system. */
  restorePaths?: readonly string[];
  /** The verifies the console and the API started, running in the background (one registry for both listeners). */
  imageVerifies: ImageVerifies;
  /** Parses posted inventories, large ones on worker threads. */
  inventoryParser: InventoryParser;
  /** agent.ratePerSource and agent.rateLimitExempt. */
  rateLimit: RateLimit;
  /** Makes and checks job tokens (the key of installers.secretKeyFile). */
  jobTokens: JobTokens;
  /** The effective configuration, secrets masked, for the console's settings page (admins). */
  settings?: ReadonlyArray<{ key: string; value: string }>;
  /** With platform ocs: ocs.consoleUrl, where each host's OCS computer page is. */
  ocsConsoleUrl?: string;
  /** The /metrics registry, one for both listeners (web/dploy-metrics.ts). */
  metrics: DployMetrics;
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
    // An unknown field is refused with its name, not dropped unseen (fastify's default removes it).
    ajv: { customOptions: { removeAdditional: false } },
    ...(listener.https ? { https: listener.https } : {}),
  }) as unknown as FastifyInstance;
  // Response schemas document the answers (OpenAPI, api-schemas.ts) and are checked by the API walk test;
  // fast-json-stringify would silently drop a field they do not list, so answers are written as they are.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandler(app);
  timeRequests(app, deps.metrics);
  if (listener.apiOnTlsPort) app.addHook('onRequest', apiOverTlsOnly(listener.apiOnTlsPort));
  app.addHook('onRequest', agentRateLimit(deps.rateLimit));
  healthRoutes(app, deps);
  metricsRoutes(app, deps);
  collectApiRoutes(app, deps.version);
  apiHostRoutes(app, deps);
  apiProfileRoutes(app, deps);
  apiTaskRoutes(app, deps);
  apiJobRoutes(app, deps);
  apiGroupRoutes(app, deps);
  apiTokenRoutes(app, deps);
  apiImageRoutes(app, deps);
  agentInventoryRoutes(app, deps);
  agentBmcRoutes(app, deps);
  agentJobRoutes(app, deps);
  bootHttpRoutes(app, deps);
  answerRoutes(app, deps);
  mirrorHttpRoutes(app, deps);
  void app.register(
    consolePages({ ...deps, secureCookies: listener.https !== undefined, ...(listener.apiOnTlsPort ? { consoleOnTlsPort: listener.apiOnTlsPort } : {}) }),
  );
  // Loaded now, not on the first kernel asked for; the operator learns which way static files leave.
  const sendfile = sendfileEngine();
  if ('error' in sendfile) app.log.warn(`static files (/boot/files, /mirror) are streamed: ${sendfile.error}`);
  else app.log.info('static files (/boot/files, /mirror) are sent by sendfile on native sender threads');
  // The TLS listener's bytes must pass through OpenSSL: its requests all stay with Node.
  if (deps.mirrorHttp && !listener.https) {
    const mirrorThreads = answerMirrorOnNativeThreads(app, deps.mirrorHttp.mirrorDir, app.log, deps.metrics.registry);
    if ('error' in mirrorThreads) app.log.warn(`/mirror requests are all answered on the event loop: ${mirrorThreads.error}`);
    else app.log.info(`plain /mirror GET and HEAD requests are answered on ${mirrorThreads.threads} native threads`);
  }
  restoreImageRoutes(app, deps);
  return app;
}

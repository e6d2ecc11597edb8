// The fastify application: agent API, JSON API, console. Built from the
// services the composition root hands in; reads no global config.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DataSource } from 'typeorm';
import type { JobKinds } from '../jobs/index.js';
import type { JobTokens } from '../jobs/job-token.js';
import type { InventoryParser } from '../inventory/parse-pool.js';
import type { Platform } from '../platforms/index.js';
import { registerErrorHandler } from './errors.js';
import { redactedRequest } from './log-redaction.js';
import { agentRateLimit, type RateLimit } from './rate-limit.js';
import { agentInventoryRoutes } from './routes/agent-inventory.js';
import { apiProfileRoutes } from './routes/api-profiles.js';
import { agentJobRoutes } from './routes/agent-jobs.js';
import { bootHttpRoutes } from './routes/boot-http.js';
import { answerRoutes } from './routes/answers.js';
import { mirrorHttpRoutes, type MirrorDeps } from './routes/mirror-http.js';
import type { MirrorView } from '../installers/index.js';
import type { BootService } from '../boot/boot-service.js';
import { apiHostRoutes } from './routes/api-hosts.js';
import { healthRoutes } from './routes/health.js';

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

export function buildWebApp(deps: WebDeps): FastifyInstance {
  const logger = deps.logger && typeof deps.logger === 'object' ? { ...deps.logger, serializers: { ...deps.logger.serializers, req: redactedRequest } } : deps.logger;
  const app = Fastify({ logger: logger ?? false, bodyLimit: deps.bodyLimitBytes });
  registerErrorHandler(app);
  app.addHook('onRequest', agentRateLimit(deps.rateLimit));
  healthRoutes(app, deps);
  apiHostRoutes(app, deps);
  apiProfileRoutes(app, deps);
  agentInventoryRoutes(app, deps);
  agentJobRoutes(app, deps);
  bootHttpRoutes(app, deps);
  answerRoutes(app, deps);
  mirrorHttpRoutes(app, deps);
  return app;
}

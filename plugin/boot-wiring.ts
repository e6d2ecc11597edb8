// Builds the boot side of `dploy serve` from its config slices: the boot
// service (live per-machine configs), the TFTP server whose first route it
// is, before the static root, and the boot load that sizes boot waves (what
// TFTP and HTTP served, what a machine's boot entry fetches).

import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import type { Config } from './config/index.js';
import { bootVariables, type DiscoverImageFor, type ImageProvider } from './boot/boot-images.js';
import { discoverImageFor, restoreImageFor, type DiscoverImageSettings } from './bootenv/discover-image.js';
import type { BootPolicy, BootVariables } from './boot/boot-inputs.js';
import type { DhcpBootOptions } from './dhcp/index.js';
import { createBootService, type BootService } from './boot/boot-service.js';
import { bootHosts } from './store/boot-requests.js';
import { enrollmentToken } from './store/settings.js';
import { FetchSizes } from './boot/fetch-size.js';
import type { BootLoad } from './jobs/index.js';
import { ServedRate, type ServedTotals } from './power/index.js';
import { createLiveContentRoute, createStaticRootRoute, createTftpServer, type TftpLogger, type TftpServer } from './tftp/index.js';

export function httpBaseUrl(config: Readonly<Config>, boundPort: number): string {
  if (config.http.baseUrl) return config.http.baseUrl.replace(/\/+$/, '');
  const address = config.http.address === '0.0.0.0' || config.http.address === '::' ? firstLanAddress() : config.http.address;
  return `http://${address}:${boundPort}`;
}

/** With a wildcard listen address, the first non-loopback IPv4 is what machines most likely reach. */
function firstLanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** What the DHCP files tell booting machines (docs/dhcp.md); checked by the DHCP providers, which name a wrong value. */
export function dhcpBootOptions(config: Readonly<Config>, baseUrl: string, nextServer = config.dhcp.nextServer): DhcpBootOptions {
  const loaders = Object.fromEntries(Object.entries(config.dhcp.loaders).filter(([, file]) => file !== ''));
  const dnsServers = config.dhcp.dnsServers.split(/\s+/).filter(Boolean);
  return {
    nextServer: nextServer || new URL(baseUrl).hostname,
    httpBaseUrl: baseUrl,
    ...(Object.keys(loaders).length ? { loaders } : {}),
    ...(config.dhcp.domain ? { domain: config.dhcp.domain } : {}),
    ...(dnsServers.length ? { dnsServers } : {}),
    ...(config.dhcp.proxyNetwork ? { proxyNetwork: config.dhcp.proxyNetwork } : {}),
  };
}

export function bootPolicy(config: Readonly<Config>): BootPolicy {
  return {
    unknownHost: config.boot.unknownHost,
    menuTimeoutSeconds: config.boot.menuTimeoutSeconds,
    ...(config.boot.templateDir ? { templateOverrideDir: resolve(config.boot.templateDir) } : {}),
  };
}

export function discoverImageSettings(config: Readonly<Config>): DiscoverImageSettings {
  return {
    environment: config.boot.discoverEnvironment,
    tftpRoot: resolve(config.tftp.root),
    bootEnvArgs: config.boot.bootEnvArgs,
    mindi: { kernel: config.boot.discoverKernel, initrd: config.boot.discoverInitrd, args: config.boot.discoverArgs },
  };
}

/** The environment a restore boots: dploy's own for the machine's architecture (plugin/images/restore-boot.ts). */
export function restoreEnvironment(config: Readonly<Config>): DiscoverImageFor {
  return restoreImageFor(discoverImageSettings(config));
}

export interface ImageProviders {
  install?: ImageProvider;
  restore?: ImageProvider;
}

export function bootVariablesFor(config: Readonly<Config>, db: DataSource, baseUrl: () => string, providers: ImageProviders = {}): BootVariables {
  return bootVariables({
    httpBaseUrl: baseUrl,
    discover: discoverImageFor(discoverImageSettings(config)),
    enrollmentToken: () => enrollmentToken(db.manager),
    ...providers,
  });
}

export function buildBootService(config: Readonly<Config>, db: DataSource, baseUrl: () => string, providers: ImageProviders = {}): BootService {
  return createBootService(bootHosts(db), bootPolicy(config), bootVariablesFor(config, db, baseUrl, providers));
}

export async function startTftp(config: Readonly<Config>, boot: BootService, logger: TftpLogger): Promise<TftpServer> {
  const root = resolve(config.tftp.root);
  mkdirSync(root, { recursive: true });
  const server = createTftpServer(
    {
      address: config.tftp.address,
      port: config.tftp.port,
      workers: config.tftp.workers,
      engine: config.tftp.engine,
      receiveBufferBytes: config.tftp.receiveBufferBytes,
    },
    [createLiveContentRoute('boot-config', (path, client) => boot.forTftpPath(path, client)), createStaticRootRoute({ root })],
    logger,
  );
  await server.listen();
  return server;
}

/** The measure boot waves are sized from, sampling `totals` once a second from now until `served.stop()`. */
export function measureBootLoad(config: Readonly<Config>, variables: BootVariables, totals: () => ServedTotals): { load: BootLoad; served: ServedRate } {
  const served = new ServedRate(totals);
  served.start();
  const sizes = new FetchSizes(variables, resolve(config.tftp.root));
  return { served, load: { peak: () => served.peak(), fetchBytes: (_db, host) => sizes.of(host) } };
}

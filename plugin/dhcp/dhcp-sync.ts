// Keeps the site DHCP server's dploy hosts file in step with dploy's
// machines, inside `dploy serve`: once at start, soon after a discovery
// (poke, debounced so a rack PXE-booting at once is one rewrite), and on a
// schedule, which catches what other processes changed (`dploy hosts add`,
// `forget` from the CLI). A cheap fingerprint of the hosts tables decides
// whether anything needs rendering; the write itself is applyDhcpFile's
// (validated by the server's own test mode, atomic, reloaded, no-op when
// unchanged). A failure is logged and retried on the next round: DHCP keeps
// the last good file.

import cron, { type ScheduledTask } from 'node-cron';
import type { DataSource } from 'typeorm';
import { DployError } from '../errors.js';
import { hostsFingerprint, listHosts } from '../store/hosts.js';
import { applyDhcpFile, type DhcpFileOutcome } from './apply-dhcp-file.js';
import { bootNicEntries } from './host-entries.js';
import type { DhcpBootOptions, DhcpProvider } from './provider.js';

export interface DhcpSyncOptions {
  db: DataSource;
  provider: DhcpProvider;
  hostsFile: string;
  bootOptions: DhcpBootOptions;
  reloadCommand?: readonly string[];
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Debounce after a poke. */
  delayMs?: number;
  /** node-cron expression with seconds; without it only start-up and pokes write. */
  schedule?: string;
}

export interface DhcpSync {
  /** Rewrites now if the machines changed since the last good write. */
  sync(force?: boolean): Promise<DhcpFileOutcome | undefined>;
  /** Something changed: sync soon. */
  poke(): void;
  stop(): Promise<void>;
}

export function createDhcpSync(o: DhcpSyncOptions): DhcpSync {
  if (o.schedule !== undefined && !cron.validate(o.schedule))
    throw new DployError('DPLOY_ERR_CONFIG', `dhcp.schedule "${o.schedule}" is not a valid cron expression (six fields with seconds, e.g. "*/10 * * * * *")`);
  let written: string | undefined;
  let running: Promise<DhcpFileOutcome | undefined> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function run(force: boolean): Promise<DhcpFileOutcome | undefined> {
    const seen = await hostsFingerprint(o.db.manager);
    if (!force && seen === written) return undefined;
    const hosts = await listHosts(o.db.manager);
    const entries = bootNicEntries(hosts);
    try {
      const outcome = await applyDhcpFile({
        provider: o.provider,
        path: o.hostsFile,
        entries,
        options: o.bootOptions,
        ...(o.reloadCommand ? { reloadCommand: o.reloadCommand } : {}),
      });
      written = seen;
      if (outcome.changed) o.log.info({ hostsFile: o.hostsFile, hosts: entries.length, reloaded: outcome.reloaded }, 'DHCP hosts file rewritten');
      return outcome;
    } catch (err) {
      o.log.error({ err, hostsFile: o.hostsFile }, 'DHCP hosts file not updated; retrying on the next round');
      return undefined;
    }
  }

  const sync = (force = false): Promise<DhcpFileOutcome | undefined> => {
    // One write at a time; a sync asked for during one waits for it and then looks again.
    const next = (running ?? Promise.resolve(undefined)).catch(() => undefined).then(() => run(force));
    const tracked: Promise<DhcpFileOutcome | undefined> = next.finally(() => {
      if (running === tracked) running = undefined;
    });
    running = tracked;
    return next;
  };

  const task: ScheduledTask | undefined =
    o.schedule === undefined
      ? undefined
      : cron.schedule(
          o.schedule,
          () => {
            void sync().catch((err: unknown) => o.log.error({ err }, 'DHCP sync failed'));
          },
          { name: 'dploy-dhcp' },
        );

  return {
    sync,
    poke() {
      if (stopped || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void sync().catch((err: unknown) => o.log.error({ err }, 'DHCP sync failed'));
      }, o.delayMs ?? 2_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      await task?.destroy();
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

// The scene of the rack tests (test/integration/jobs/bmc-machines.test.ts,
// measured-waves.test.ts): dploy served on SQLite with its real HTTP and
// TFTP services (runner off: the test ticks it), simulated machines each
// behind its own Redfish BMC (one rack of doubles in the test's process),
// every machine discovered over HTTP and its BMC stored sealed and pinned,
// as discovery and `dploy hosts set --bmc` would leave them.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../plugin/config/index.js';
import { storeProfile } from '../../plugin/installers/profiles/profile-store.js';
import type { JobKinds } from '../../plugin/jobs/index.js';
import { runnerTick, type RunnerOptions } from '../../plugin/jobs/runner.js';
import { setTask } from '../../plugin/jobs/set-task.js';
import type { Job } from '../../plugin/model/job.js';
import { createPlatform, type Platform } from '../../plugin/platforms/index.js';
import { sealBmc } from '../../plugin/power/bmc-credentials.js';
import { openSecretBox } from '../../plugin/secret-box.js';
import { startServer, type RunningServer } from '../../plugin/server.js';
import { addGroupMembers, createGroup } from '../../plugin/store/groups.js';
import { writeHostBmc } from '../../plugin/store/host-bmcs.js';
import { getHost } from '../../plugin/store/hosts.js';
import { listJobs } from '../../plugin/store/jobs.js';
import { enrollmentToken } from '../../plugin/store/settings.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { MachineWithBmc } from './bmc-machine.js';
import { createTestDatabase } from './databases.js';
import { SimulatedMachine } from './machine-simulator.js';
import { startRedfishRack, type RedfishRack } from './redfish-double.js';
import { seedMac } from './seed.js';
import { freePort } from './serve.js';
import { machineDocument } from './trust-server.js';

const PROFILE = parseYaml(readFileSync(new URL('../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as unknown;

export interface RackScene {
  server: RunningServer;
  platform: Platform;
  machines: MachineWithBmc[];
  rack: RedfishRack;
  hostIds: number[];
  keyFile: string;
  /** Stops the BMCs and dploy, drops the database and removes the files, whatever state they are in. */
  stop(): Promise<void>;
}

export interface SceneOptions {
  machines: number;
  /** Fills dploy's TFTP root before it starts (kernels, initrds). */
  tftpRoot?: (root: string) => void;
  /** The machines load the kernel and initrds their entries name (MachineWithBmc). */
  loadsBootFiles?: boolean;
}

export async function startRackScene(o: SceneOptions): Promise<RackScene> {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-rack-'));
  const keyFile = join(cwd, 'var', 'secret.key');
  const root = join(cwd, 'var', 'tftp');
  mkdirSync(root, { recursive: true });
  o.tftpRoot?.(root);
  const database = await createTestDatabase('sqlite');
  const cleanup: Array<() => Promise<void> | void> = [() => database.drop(), () => rmSync(cwd, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of cleanup.splice(0)) await step();
  };
  try {
    const tftpPort = await freePort();
    const server = await startServer(
      configSchema.parse({
        database: { url: database.url },
        http: { address: '127.0.0.1', port: 0 },
        tftp: { enabled: true, address: '127.0.0.1', port: tftpPort, root },
        runner: { enabled: false },
        installers: { secretKeyFile: keyFile, mirrorDir: join(cwd, 'var', 'mirror') },
        log: { level: 'warn' },
      }),
      { logStream: new Writable({ write: (_c, _e, done) => done() }) },
    );
    cleanup.unshift(() => server.close());
    const machines = Array.from(
      { length: o.machines },
      (_, i) => new MachineWithBmc(new SimulatedMachine(seedMac(i), tftpPort, cwd), server.url, o.loadsBootFiles ?? false),
    );
    const rack = await startRedfishRack(o.machines, (i) => ({ powerDelayMs: 100, onPowerOn: (from) => machines[i]!.powerOn(from) }));
    cleanup.unshift(() => rack.stop());
    const db = server.store.db;
    const enrollment = await enrollmentToken(db.manager);
    const hostIds: number[] = [];
    for (const [i, m] of machines.entries()) {
      const answer = await m.machine.postInventory(server.url, enrollment, machineDocument(m.machine.mac, `DPLOY-BMC-${i}`, `DPLOYDISK${i}`));
      const host = await getHost(db.manager, answer.host_name!);
      const bmc = rack.bmcs[i]!;
      await writeHostBmc(db.manager, {
        ...sealBmc(host.id, `redfish://${bmc.user}@127.0.0.1:${bmc.port}`, bmc.password, openSecretBox(keyFile)),
        certSha256: rack.certSha256,
      });
      hostIds.push(host.id);
    }
    return { server, platform: createPlatform('standalone', server.store), machines, rack, hostIds, keyFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The operator's part: the debian-12-web profile, every machine in one group, an install task on the group. */
export async function installOnGroup(scene: RackScene, kinds: JobKinds, group: string): Promise<void> {
  const db = scene.server.store.db;
  await storeProfile(db.manager, PROFILE, { replace: false, secrets: openSecretBox(scene.keyFile) });
  await createGroup(db.manager, group);
  const { hostIds } = await addGroupMembers(db.manager, group, scene.hostIds);
  await setTask(db, scene.platform, kinds, { hostIds, task: 'install', profile: 'debian-12-web', force: false, actor: 'test' });
}

/** Ticks the runner as its cron would, more often, until every job has ended or `ms` passed; the jobs once the machines' boots have settled. */
export async function tickUntilEnded(scene: RackScene, runner: RunnerOptions, ms: number): Promise<Job[]> {
  const db = scene.server.store.db;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await listJobs(db.manager, {})).every((j) => j.state === 'done' || j.state === 'failed')) break;
    await sleep(200);
    await runnerTick(runner);
  }
  await Promise.all(scene.machines.map((m) => m.settled()));
  return listJobs(db.manager, {});
}

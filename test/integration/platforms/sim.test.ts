// HP SIM as the host tool, end to end through the stand-in mx commands
// (test/support/sim: written from HP's documentation, XML checked against the
// published DTDs): dploy migrate registers the tools, a discovered machine
// appears as a SIM system, a SIM tool run with mxexec sets the task through
// `dploy sim-task`, the runner opens the job, and the status shows on the
// system. dploy's tables are on SQLite, as on a CMS without a shared database.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { createPlatform, type Platform } from '../../../plugin/platforms/index.js';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { saveProfile } from '../../../plugin/installers/index.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { runnerTick } from '../../../plugin/jobs/runner.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { isDployError } from '../../../plugin/errors.js';
import { createMxCli } from '../../../plugin/platforms/sim/mx-cli.js';
import { readNodeList, ATTRIBUTE } from '../../../plugin/platforms/sim/node-list.js';
import { planSimTools, registerSimTools } from '../../../plugin/platforms/sim/sim-tools.js';
import { mxCliOf, type SimSettings } from '../../../plugin/platforms/sim/sim-settings.js';
import { resolveTargets } from '../../../plugin/platforms/sim/sim-targets.js';
import type { Store } from '../../../plugin/store/database.js';
import { findHost } from '../../../plugin/store/hosts.js';
import { openTestStore } from '../../support/databases.js';
import { DPLOY_BIN, runDploy } from '../../support/cli.js';
import { MX_BIN, standinState } from '../../support/sim/standin.js';
import { freePort, startServe } from '../../support/serve.js';
import { SimulatedMachine } from '../../support/machine-simulator.js';
import { ovmfVariant } from '../../support/ovmf-variant.js';

const MAC = '52:54:00:5a:51:01';
const QEMU = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8');
const LSHW = QEMU.split('52:54:00:d0:00:12').join(MAC);
const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as unknown;
const run = promisify(execFile);
/** An mx command as the operator runs it on the CMS: its output, or how it failed. */
const mx = (command: string, ...args: string[]) =>
  run(join(MX_BIN, command), args, { encoding: 'utf8' }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const systems = async () => readNodeList((await mx('mxnode', '-lf')).stdout);

describe('HP SIM platform through the stand-in mx commands (SQLite)', () => {
  let standin: ReturnType<typeof standinState>;
  let work: string;
  let config: string;
  let store: Store;
  let dispose: () => Promise<void>;
  let platform: Platform;
  let settings: SimSettings;

  before(async () => {
    standin = standinState();
    work = mkdtempSync(join(tmpdir(), 'dploy-sim-'));
    const opened = await openTestStore('sqlite');
    ({ store, dispose } = opened);
    // Sealed with the key file the configuration names, so `dploy serve` can render its answer file.
    await saveProfile(store.db.manager, PROFILE, { replace: false, secrets: openSecretBox(join(work, 'secret.key')) });
    config = join(work, 'dploy.yaml');
    // SIM runs the tool's command line through the POSIX shell on the CMS (CLI Guide, "Running tool").
    settings = { binDir: MX_BIN, timeoutSeconds: 30, toolCommand: `'${process.execPath}' '${DPLOY_BIN}' --config '${config}' sim-task`, cms: 'cms01' };
    writeFileSync(
      config,
      `platform: sim\ndatabase:\n  url: "${opened.database.url}"\ninstallers:\n  secretKeyFile: "${join(work, 'secret.key')}"\n` +
        `sim:\n  binDir: "${MX_BIN}"\n  toolCommand: ${JSON.stringify(settings.toolCommand)}\n  cms: cms01\n`,
    );
    platform = createPlatform('sim', store, { sim: settings });
  });

  after(async () => {
    try {
      await dispose();
    } finally {
      standin.dispose();
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('dploy migrate --dry-run prints the tool file and changes nothing; migrate registers the six tools once', async () => {
    const dry = await runDploy(['--config', config, 'migrate', '--dry-run'], { cwd: work });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /<!-- HP SIM: mxtool -af dploy-tools.xml -->\n<\?xml/);
    assert.equal(dry.stdout.match(/<msa-command-tool name="dploy /g)?.length, 6);
    assert.match((await mx('mxtool', '-lf')).stdout, /<tool-list\/>|<tool-list>\s*<\/tool-list>/, 'a dry run registers nothing');

    const real = await runDploy(['--config', config, 'migrate'], { cwd: work });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /HP SIM: added tool "dploy install"\n[\s\S]*HP SIM: added tool "dploy forget"\n/);
    const again = await planSimTools(mxCliOf(settings), settings);
    assert.deepEqual([again.add.length, again.modify.length, again.unchanged.length], [0, 0, 6]);

    // A new tool command (dploy moved) is a modification, since SIM's add skips names it has.
    const moved = { ...settings, toolCommand: '/opt/dploy/bin/dploy sim-task' };
    const plan = await planSimTools(mxCliOf(moved), moved);
    assert.equal(plan.modify.length, 6);
    assert.deepEqual(
      await registerSimTools(mxCliOf(moved), plan),
      plan.modify.map((t) => `updated tool "${t.name}"`),
    );
    assert.match((await mx('mxtool', '-lf', '-t', 'dploy install')).stdout, /<command>\/opt\/dploy\/bin\/dploy sim-task install<\/command>/);
    await registerSimTools(mxCliOf(settings), await planSimTools(mxCliOf(settings), settings));
  });

  test('a machine walks discover -> a dploy tool run in SIM -> install -> its status on the SIM system', { timeout: 120_000 }, async () => {
    await registerSimTools(mxCliOf(settings), await planSimTools(mxCliOf(settings), settings));
    const root = join(work, 'var', 'tftp', 'debian-installer', 'amd64');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'linux'), 'd-i kernel');
    const tftpPort = await freePort();
    // ./dploy.yaml in its working directory is the configuration SIM's tools name too.
    const serve = await startServe({
      cwd: work,
      env: { DPLOY_TFTP_ENABLED: 'true', DPLOY_TFTP_ADDRESS: '127.0.0.1', DPLOY_TFTP_PORT: String(tftpPort), DPLOY_RUNNER_ENABLED: 'false' },
    });
    // The runner's tick in this process (its SIM writes are the platform's, as in `dploy runner --once`): two fewer dploy starts.
    const tick = () =>
      runnerTick({
        db: store.db,
        dialect: 'sqlite',
        platform,
        kinds: jobKinds({ bootSeconds: 1200, installSeconds: 7200 }),
        owner: 'test:1',
        leaseSeconds: 60,
        batchSize: 50,
        maxAttempts: 3,
        budgetMs: 10_000,
        log: { info() {}, warn() {}, error() {} },
      });
    try {
      // 1. Discovery: the machine posts its lshw; dploy adds it to SIM as a system marked as dploy's.
      const machine = new SimulatedMachine(MAC, tftpPort, work);
      const discover = machine.kernelArgs();
      const hostName = (await machine.postInventory(serve.url, discover['dploy.token']!, LSHW)).host_name!;
      const system = (await systems()).find((s) => s.hw.get(ATTRIBUTE.macs)?.split(' ').includes(MAC));
      assert.ok(system, `the discovered machine is a SIM system:\n${serve.output()}`);
      const inventory = parseInventory(LSHW, 'xml');
      assert.equal(system.name, hostName);
      assert.equal(system.hw.get(ATTRIBUTE.serial), inventory.system.serial);
      assert.equal(system.hw.get(ATTRIBUTE.uuid), inventory.system.uuid);
      assert.match(system.sw.get(ATTRIBUTE.hostId) ?? '', /^\d+$/);

      // 2. The operator runs "dploy install" on it in SIM; the job's output says what was set.
      const job = await mx('mxexec', '-t', 'dploy install', '-A', 'debian-12-web', '-n', system.name);
      assert.equal(job.code, 0, job.stdout + job.stderr);
      assert.match(job.stdout, new RegExp(`^${system.name}: install debian-12-web set for host \\d+ by \\S+; `, 'm'));
      const refused = await mx('mxexec', '-t', 'dploy install', '-n', system.name);
      assert.equal(refused.code, 1, 'install without its profile fails the SIM job');
      assert.match(refused.stdout, /install needs the profile as the tool's argument/);

      // 3. The runner opens the job; SIM shows where it stands.
      assert.equal((await tick()).created, 1);
      const statusInSim = async () => (await systems()).find((s) => s.name === system.name)?.sw.get(ATTRIBUTE.status) ?? '';
      assert.match(await statusInSim(), /^waiting for the machine to boot the debian-12-web installer \(step 2\/4\) since \d\d:\d\d$/);

      // 4. The machine boots the installer, fetches its preseed and calls back; SIM shows it deployed.
      assert.match(machine.pxelinuxConfig(), /KERNEL debian-installer\/amd64\/linux/);
      const answerUrl = machine.kernelArgs().url!.replace(/^http:\/\/[^/]+/, serve.url);
      assert.equal((await fetch(answerUrl)).status, 200);
      const token = answerUrl.split('/').pop()!;
      assert.equal(await machine.installerEvent(`${serve.url}/agent/v1/events`, token, 'installed', 'debian-installer finished'), 'moved');
      assert.equal((await tick()).failedSteps, 0);
      assert.match(await statusInSim(), /^deployed debian-12-web at \d\d:\d\d$/);
      assert.deepEqual(await platform.pendingTasks(), []);
    } finally {
      await serve.stop();
    }
  });

  test('the same new machine posted 8 times at once is one SIM system, and no post fails', async () => {
    const xml = ovmfVariant(QEMU, 0x61, 'SIM-STORM-1', 'storm01');
    const posts = Array.from({ length: 8 }, () =>
      new Promise<void>((r) => setImmediate(r)).then(() =>
        platform.recordInventory(parseInventory(xml, 'xml'), { format: 'xml', body: Buffer.from(xml), rediscover: true }),
      ),
    );
    // Every post is awaited, failed or not, before anything is asserted: none is left running under the next test.
    const settled = await Promise.allSettled(posts);
    const failed = settled.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(failed, []);
    const hosts = new Set(settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.host.id] : [])));
    assert.equal(hosts.size, 1);
    const named = (await systems()).filter((s) => s.hw.get(ATTRIBUTE.serial) === 'SIM-STORM-1');
    assert.deepEqual(
      named.map((s) => [s.name, s.sw.get(ATTRIBUTE.hostId)]),
      [['storm01', String([...hosts][0])]],
    );
  });

  test('a system SIM knows and dploy does not: discover adopts it by its MACs; another task is refused by name', async () => {
    writeFileSync(
      join(work, 'hand.xml'),
      '<node-list><node name="srv-hand.example.org"><hw-attribute name="MACAddress">52:54:00:aa:00:01</hw-attribute></node>' +
        '<node name="printer7"/></node-list>',
    );
    assert.equal((await mx('mxnode', '-a', '-f', join(work, 'hand.xml'))).code, 0);
    const cli = mxCliOf(settings);
    await assert.rejects(
      resolveTargets(store, platform, cli, ['printer7'], true),
      (err) => isDployError(err, 'DPLOY_ERR_NOT_FOUND') && /lists no MAC/.test(err.message),
    );
    await assert.rejects(resolveTargets(store, platform, cli, ['srv-hand.example.org'], false), (err) => isDployError(err, 'DPLOY_ERR_NOT_FOUND'));
    const adopted = await resolveTargets(store, platform, cli, ['srv-hand.example.org'], true);
    assert.equal(adopted.size, 1);
    assert.deepEqual(await resolveTargets(store, platform, cli, ['srv-hand.example.org'], false), adopted, 'linked: found again without SIM');
  });

  test('a system removed from SIM behind dploy: the status write fails with SIM’s words; forgetting it still works', async () => {
    const host = await platform.addHost({ name: 'gone01', macs: ['52:54:00:bb:00:01'] });
    assert.equal((await mx('mxnode', '-r', 'gone01')).code, 0);
    await assert.rejects(
      platform.writeStatus(host.id, 'anything'),
      (err) => isDployError(err, 'DPLOY_ERR_SIM_REFUSED') && /"gone01" does not exist/.test(err.message),
    );
    await platform.forgetHost(host.id);
    assert.equal(await findHost(store.db.manager, host.id), undefined);
  });

  test('missing mx commands, a CLI printing other XML, and a hung command are each refused with their own code', async () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    await assert.rejects(
      planSimTools(mxCliOf({ ...settings, binDir: empty }), { ...settings, binDir: empty }),
      (err) => isDployError(err, 'DPLOY_ERR_SIM_UNAVAILABLE') && /mxnode, mxtool, mxexec not found in sim\.binDir/.test(err.message),
    );
    // Not stand-ins of SIM: broken command lines, to see how dploy sorts them.
    const broken = mkdtempSync(join(work, 'broken-'));
    for (const [name, body] of [
      ['mxnode', 'echo "<html><body>Please log in</body></html>"'],
      ['mxtool', 'exec sleep 5'],
      ['mxexec', 'exit 0'],
    ] as const) {
      writeFileSync(join(broken, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(broken, name), 0o755);
    }
    await assert.rejects(
      planSimTools(mxCliOf({ ...settings, binDir: broken }), { ...settings, binDir: broken }),
      (err) => isDployError(err, 'DPLOY_ERR_SIM_UNAVAILABLE') && /printed <html>/.test(err.message),
    );
    await assert.rejects(createMxCli({ binDir: broken, timeoutMs: 200 }).run('mxtool', ['-lf']), (err) => isDployError(err, 'DPLOY_ERR_SIM_TIMEOUT'));
  });
});

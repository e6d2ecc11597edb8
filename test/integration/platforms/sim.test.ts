// HP SIM as the host tool, end to end through the stand-in mx commands
// (test/support/sim: written from HP's documentation, XML checked against the
// published DTDs): dploy migrate registers the tools, a discovered machine
// appears as a SIM system, a SIM tool run with mxexec sets the task through
// `dploy sim-task`, the runner opens the job, and the status shows on the
// system. dploy's tables are on SQLite, as on a CMS without a shared database.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { createPlatform, type Platform } from '../../../plugin/platforms/index.js';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { saveProfile } from '../../../plugin/installers/index.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { runnerTick, type RunnerOptions } from '../../../plugin/jobs/runner.js';
import { applyAgentEvent } from '../../../plugin/jobs/agent-events.js';
import { isDployError } from '../../../plugin/errors.js';
import { createMxCli } from '../../../plugin/platforms/sim/mx-cli.js';
import { readNodeList, ATTRIBUTE } from '../../../plugin/platforms/sim/node-list.js';
import { planSimTools, registerSimTools } from '../../../plugin/platforms/sim/sim-tools.js';
import { mxCliOf, type SimSettings } from '../../../plugin/platforms/sim/sim-settings.js';
import { resolveTargets } from '../../../plugin/platforms/sim/sim-targets.js';
import type { Store } from '../../../plugin/store/database.js';
import { openTestStore } from '../../support/databases.js';
import { DPLOY_BIN, runDploy } from '../../support/cli.js';
import { MX_BIN, standinState } from '../../support/sim/standin.js';

const QEMU = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url));
const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as unknown;
const quiet = { info() {}, warn() {}, error() {} };
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
  let runner: RunnerOptions;

  before(async () => {
    standin = standinState();
    work = mkdtempSync(join(tmpdir(), 'dploy-sim-'));
    const opened = await openTestStore('sqlite');
    ({ store, dispose } = opened);
    await saveProfile(store.db.manager, PROFILE, { replace: false });
    config = join(work, 'dploy.yaml');
    // SIM runs the tool's command line through the POSIX shell on the CMS (CLI Guide, "Running tool").
    settings = { binDir: MX_BIN, timeoutSeconds: 30, toolCommand: `'${process.execPath}' '${DPLOY_BIN}' --config '${config}' sim-task`, cms: 'cms01' };
    writeFileSync(
      config,
      `platform: sim\ndatabase:\n  url: "${opened.database.url}"\ninstallers:\n  secretKeyFile: "${join(work, 'secret.key')}"\n` +
        `sim:\n  binDir: "${MX_BIN}"\n  toolCommand: ${JSON.stringify(settings.toolCommand)}\n  cms: cms01\n`,
    );
    platform = createPlatform('sim', store, { sim: settings });
    const kinds = jobKinds({ bootSeconds: 1200, installSeconds: 7200 });
    runner = {
      db: store.db,
      dialect: 'sqlite',
      platform,
      kinds,
      owner: 'test:1',
      leaseSeconds: 60,
      batchSize: 50,
      maxAttempts: 3,
      budgetMs: 10_000,
      log: quiet,
    };
  });

  after(async () => {
    await dispose();
    standin.dispose();
    rmSync(work, { recursive: true, force: true });
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

  test('discover -> a dploy tool run in SIM -> the job -> its status on the SIM system', async () => {
    await registerSimTools(mxCliOf(settings), await planSimTools(mxCliOf(settings), settings));
    const inventory = parseInventory(QEMU, 'xml');
    const { host } = await platform.recordInventory(inventory, { format: 'xml', body: QEMU, rediscover: true });
    const [system] = (await systems()).filter((s) => s.sw.get(ATTRIBUTE.hostId) === String(host.id));
    assert.ok(system, 'the discovered machine is a SIM system marked as dploy’s');
    assert.equal(system.hw.get(ATTRIBUTE.serial), inventory.system.serial);
    assert.equal(system.hw.get(ATTRIBUTE.uuid), inventory.system.uuid);
    assert.equal(system.hw.get(ATTRIBUTE.macs), host.macs.join(' '));
    await platform.recordInventory(inventory, { format: 'xml', body: QEMU, rediscover: true });
    assert.equal((await systems()).length, 1, 'a second inventory adds no second system');

    const job = await mx('mxexec', '-t', 'dploy install', '-A', 'debian-12-web', '-n', system.name);
    assert.equal(job.code, 0, job.stdout + job.stderr);
    assert.match(job.stdout, new RegExp(`^${system.name}: install debian-12-web set for host ${host.id} by \\S+; `, 'm'));

    assert.equal((await runnerTick(runner)).created, 1);
    const booting = (await systems())[0]!.sw.get(ATTRIBUTE.status) ?? '';
    assert.match(booting, /^waiting for the machine to boot the debian-12-web installer \(step 2\/4\) since \d\d:\d\d$/);

    await applyAgentEvent(store.db, runner.kinds, host.id, 'answer-fetched', 'ks fetched');
    await applyAgentEvent(store.db, runner.kinds, host.id, 'installed', 'anaconda done');
    await runnerTick(runner);
    assert.match((await systems())[0]!.sw.get(ATTRIBUTE.status) ?? '', /^deployed debian-12-web at \d\d:\d\d$/);
    assert.deepEqual(await platform.pendingTasks(), []);

    const refused = await mx('mxexec', '-t', 'dploy install', '-n', system.name);
    assert.equal(refused.code, 1, 'install without its profile fails the SIM job');
    assert.match(refused.stdout, /install needs the profile as the tool's argument/);
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

  test('a system removed from SIM behind dploy: the status write fails with SIM’s words', async () => {
    const host = await platform.addHost({ name: 'gone01', macs: ['52:54:00:bb:00:01'] });
    assert.equal((await mx('mxnode', '-r', 'gone01')).code, 0);
    await assert.rejects(
      platform.writeStatus(host.id, 'anything'),
      (err) => isDployError(err, 'DPLOY_ERR_SIM_REFUSED') && /"gone01" does not exist/.test(err.message),
    );
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

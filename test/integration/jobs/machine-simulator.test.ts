// A machine walks discover -> install -> deployed against `dploy serve`,
// speaking the real protocols (TFTP per-MAC config, lshw over HTTP, answer
// file, installer callbacks), on SQLite, MariaDB and PostgreSQL. The job's
// event log must tell the story.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { createTestDatabase, DIALECTS } from '../../support/databases.js';
import { freePort, startServe } from '../../support/serve.js';
import { SimulatedMachine } from '../../support/machine-simulator.js';

const MAC = '52:54:00:5a:00:01';
const LSHW = readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url), 'utf8')
  .split('52:54:00:d0:00:12')
  .join(MAC);
const PROFILE = new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url).pathname;

for (const dialect of DIALECTS) {
  describe(`a machine's life on ${dialect}`, () => {
    test('unknown -> discovered -> install task -> installer boots, fetches its preseed, calls back -> deployed', { timeout: 180_000 }, async () => {
      const database = await createTestDatabase(dialect);
      const cwd = mkdtempSync(join(tmpdir(), 'dploy-sim-'));
      const env = { DPLOY_DATABASE_URL: database.url };
      if (dialect !== 'sqlite') await runDploy(['migrate'], { cwd, env });
      const root = join(cwd, 'var', 'tftp');
      mkdirSync(join(root, 'debian-installer', 'amd64'), { recursive: true });
      writeFileSync(join(root, 'debian-installer', 'amd64', 'linux'), 'd-i kernel');
      const tftpPort = await freePort();
      const serve = await startServe({
        cwd,
        env: { ...env, DPLOY_TFTP_ENABLED: 'true', DPLOY_TFTP_ADDRESS: '127.0.0.1', DPLOY_TFTP_PORT: String(tftpPort), DPLOY_RUNNER_ENABLED: 'false' },
      });
      const dploy = (...args: string[]) => runDploy(args, { cwd, env });
      try {
        const machine = new SimulatedMachine(MAC, tftpPort, cwd);

        // 1. Unknown: dploy hands it the discovery entry; mindi reads url and token from the command line.
        const discoverArgs = machine.kernelArgs();
        assert.equal(discoverArgs['dploy.url'], serve.url.replace('127.0.0.1', new URL(discoverArgs['dploy.url']!).hostname));
        const answer = await machine.postInventory(serve.url, discoverArgs['dploy.token']!, LSHW);
        assert.equal(answer.action, 'wait');
        const hostName = answer.host_name!;

        // 2. The operator sets the install task; the runner opens the job and flips the boot state.
        assert.equal((await dploy('profiles', 'add', PROFILE)).code, 0);
        const set = await dploy('task', 'set', hostName, 'install', '--profile', 'debian-12-web');
        assert.equal(set.code, 0, set.stderr);
        assert.equal((await dploy('runner', '--once')).code, 0);

        // 3. Next boot: the per-MAC entry boots the installer with the job's answer-file URL.
        const config = machine.pxelinuxConfig();
        assert.match(config, /KERNEL debian-installer\/amd64\/linux/);
        const installArgs = machine.kernelArgs();
        assert.equal(installArgs.auto, 'true');
        const answerUrl = installArgs.url!;
        assert.match(answerUrl, /\/answers\/\d+-[A-Za-z0-9_-]{43}$/);
        assert.equal(machine.tftpGet('debian-installer/amd64/linux'), 'd-i kernel');

        // 4. The installer fetches its preseed (served from the machine's inventory) and calls back.
        const preseed = await (await fetch(answerUrl.replace(/^http:\/\/[^/]+/, serve.url))).text();
        assert.match(preseed, /^d-i partman-auto\/disk string \/dev\/nvme0n1$/m, 'install disk from the inventory');
        assert.match(preseed, new RegExp(`^d-i netcfg/get_hostname string ${hostName.split('.')[0]}$`, 'm'));
        const token = answerUrl.split('/').pop()!;
        const eventsUrl = `${serve.url}/agent/v1/events`;
        assert.equal(await machine.installerEvent(eventsUrl, token, 'started', 'debian-installer read the preseed'), 'progress');
        assert.equal(await machine.installerEvent(eventsUrl, token, 'installed', 'debian-installer finished'), 'moved');
        assert.equal((await dploy('runner', '--once')).code, 0);

        // 5. Deployed: local boot again, status in words, the answer file gone, the story in the log.
        assert.match(machine.pxelinuxConfig(), /LOCALBOOT 0/);
        const host = JSON.parse((await dploy('hosts', 'show', hostName, '--json')).stdout) as { status: string; bootState: string };
        assert.equal(host.bootState, 'localboot');
        assert.match(host.status, /^deployed debian-12-web at \d\d:\d\d$/);
        assert.equal((await fetch(answerUrl.replace(/^http:\/\/[^/]+/, serve.url))).status, 404);
        const jobs = JSON.parse((await dploy('jobs', 'list', '--json')).stdout) as Array<{ id: number }>;
        const shown = JSON.parse((await dploy('jobs', 'show', String(jobs[0]!.id), '--json')).stdout) as {
          state: string;
          events: Array<{ fromState?: string; toState: string; actor: string }>;
        };
        assert.equal(shown.state, 'done');

        // 6. Rediscovery: the job waits for the inventory post, which moves it on.
        assert.equal((await dploy('task', 'set', hostName, 'discover')).code, 0);
        assert.equal((await dploy('runner', '--once')).code, 0);
        const again = machine.kernelArgs();
        assert.ok(again['dploy.token'], 'the discovery entry again');
        await machine.postInventory(serve.url, again['dploy.token']!, LSHW);
        assert.equal((await dploy('runner', '--once')).code, 0);
        const after = JSON.parse((await dploy('hosts', 'show', hostName, '--json')).stdout) as { status: string; bootState: string };
        assert.equal(after.bootState, 'localboot');
        assert.match(after.status, /^discovered at \d\d:\d\d$/);
        assert.deepEqual(
          shown.events.map((e) => `${e.fromState ?? ''}>${e.toState}:${e.actor.split(':')[0]}`),
          [
            '>queued:runner',
            'queued>booting:runner',
            'booting>installing:agent',
            'installing>installing:agent',
            'installing>finishing:agent',
            'finishing>done:runner',
          ],
        );
      } finally {
        await serve.stop();
        await database.drop();
      }
    });
  });
}

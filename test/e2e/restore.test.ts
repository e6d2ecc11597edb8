// Bare-metal restore, end to end (issue 22). A Debian 12 VM (debootstrapped,
// GRUB on a GPT disk, support/debian-disk.sh) boots from its disk with sshd;
// dploy's real `image` job captures it over SSH. A second VM with a larger
// blank disk, in the lab's network namespace, PXE-boots with real firmware
// (SeaBIOS + iPXE ROM, DHCP from dnsmasq fed by `dploy dhcp export`) into
// the restore entry dploy serves live: dploy's boot environment (kernel and
// initramfs over dploy's HTTP), whose dploy-restore partitions the disk,
// restores the archives, reinstalls GRUB and calls back. The job ends, the
// boot state is back to local; the VM powers on again, dploy's entry sends
// it to its disk, and it reaches a login prompt on ttyS0, where the test logs
// in and finds the source's hostname, root filesystem UUID and files.
// Software emulation throughout (TCG). Run as root. The boot environment and
// the source disk are built once and cached (boot-env.test.ts, debian-disk.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DPLOY_BIN, cleanEnv, runDploy } from '../support/cli.js';
import { cpuOfPid } from '../support/process-cpu.js';
import { checkPrerequisites } from './support/boot-media.js';
import { debianDisk, type DebianDisk } from './support/debian-disk.js';
import { DploySite, HTTP_PORT, siteEnv } from './support/dploy-site.js';
import { LabNetwork, type LabProcess } from './support/lab-network.js';
import { logTails } from './support/boot-watch.js';
import { bootFromDisk, bootMachine } from './support/qemu-machine.js';
import { SerialConsole } from './support/serial-console.js';
import { startDnsmasq, waitForListeners } from './support/lab-services.js';

const BOOTENV_CACHE = process.env.DPLOY_TEST_BOOTENV_CACHE ?? '/var/cache/dploy-test/boot-env';
const SOURCE = { name: 'dploy-e2e-src', mac: '52:54:00:e2:e1:01', hostname: 'dploy-e2e-src' };
const TARGET = { name: 'dploy-e2e-dst-bios', mac: '52:54:00:e2:e1:11' };
const IMAGE = 'e2e-debian';
/** What must be the same on the restored machine as on the source: printed the same way on both. */
const FACTS = [
  'hostname',
  'findmnt -no FSTYPE,UUID,LABEL /',
  'cd /srv/dploy-e2e',
  'sha256sum note.txt random.bin random-link.bin',
  "stat -c '%n %h %F %s' * | sort",
  'readlink note-link.txt',
].join(' && ');

const lab = new LabNetwork();
let work: string;
let site: DploySite;
let serve: LabProcess;
let dnsmasq: LabProcess;
let source: DebianDisk;
let sourceFacts: string;

before(async () => {
  checkPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'dploy-restore-e2e-'));
  source = debianDisk();
  const tftpRoot = join(work, 'tftp');
  await layBootEnvironment(tftpRoot);
  const env = {
    ...siteEnv(tftpRoot),
    // dploy's boot environment is in the TFTP root (layBootEnvironment), so the restore boots it (boot.discoverEnvironment
    // auto). Its console on the serial port; no one at the console: a failed restore powers the VM off instead of leaving a shell.
    DPLOY_BOOT_BOOT_ENV_ARGS: 'console=ttyS0 panic=-1 dploy.onfail=poweroff',
    DPLOY_IMAGES_STORE_DIR: join(work, 'images'),
  };
  site = new DploySite(join(work, 'site'), env);
  mkdirSync(site.cwd);
  lab.create();
  serve = lab.start('dploy', [process.execPath, DPLOY_BIN, 'serve'], join(work, 'dploy.log'), { env: { ...cleanEnv(), ...env }, cwd: site.cwd });
  await waitForListeners(
    lab,
    [
      ['tcp', HTTP_PORT],
      ['udp', 69],
    ],
    serve,
  );
  await site.dploy('hosts', 'add', '--mac', SOURCE.mac, '--name', SOURCE.name);
  await site.dploy('hosts', 'add', '--mac', TARGET.mac, '--name', TARGET.name);
  dnsmasq = startDnsmasq(lab, work, await site.writeDhcpFiles(work));
  await waitForListeners(lab, [['udp', 67]], dnsmasq);
});

after(async () => {
  await lab.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a Debian machine captured over SSH and restored bare-metal onto a larger disk over PXE', { timeout: 1_500_000 }, () => {
  test('the image job captures the running source VM over SSH', { timeout: 600_000 }, async (t) => {
    if (source.builtInS > 0) t.diagnostic(`source disk built from Debian's mirror in ${source.builtInS} s (cached for the next runs)`);
    const port = await freePort();
    const vm = bootFromDisk(source.disk, work, port);
    const started = Date.now();
    try {
      sourceFacts = await sshWhenUp(port, source.privateKey, FACTS, 300_000, vm.serialLog);
      t.diagnostic(`source VM answered over SSH ${Math.round((Date.now() - started) / 1000)} s after qemu started`);
      assert.match(sourceFacts, new RegExp(`^${SOURCE.hostname}\\next4 +${source.rootUuid} +dploy-root\\n`), sourceFacts);
      await site.dploy(
        'hosts',
        'ssh',
        SOURCE.name,
        '--address',
        '127.0.0.1',
        '--port',
        String(port),
        '--user',
        'root',
        '--private-key-file',
        source.privateKey,
      );
      await site.dploy('task', 'set', SOURCE.name, 'image', '--image', IMAGE);
      const captureStarted = Date.now();
      const job = await settle('image', SOURCE.name, 300_000);
      assert.equal(job.state, 'done', JSON.stringify(job));
      t.diagnostic(`captured in ${Math.round((Date.now() - captureStarted) / 1000)} s; the source VM used ${cpuSeconds(vm.child.pid)} CPU-s in all`);
    } catch (err) {
      t.diagnostic(logTails({ source: vm.serialLog }));
      throw err;
    } finally {
      await vm.stop();
    }
    const image = JSON.parse(await site.dploy('images', 'show', IMAGE, '--json')) as {
      manifest: { firmware: string; bootloader: { kind: string }; filesystems: Array<{ mountpoint: string; uuid: string; fstype: string }> };
    };
    assert.equal(image.manifest.firmware, 'bios');
    assert.equal(image.manifest.bootloader.kind, 'grub');
    assert.deepEqual(
      image.manifest.filesystems.map((f) => [f.mountpoint, f.fstype, f.uuid]),
      [['/', 'ext4', source.rootUuid]],
    );
  });

  test(
    "bios: a VM with a larger blank disk PXE-boots dploy's boot environment, restores, reboots from its disk to a login prompt with the source's hostname, UUIDs and files",
    { timeout: 900_000 },
    async (t) => {
      assert.ok(sourceFacts, 'the capture test ran first');
      const disk = join(work, 'target-bios.img');
      writeFileSync(disk, '');
      truncateSync(disk, 1536 * 2 ** 20);
      await site.dploy('task', 'set', TARGET.name, 'restore', '--image', IMAGE);
      const booting = await settle('restore', TARGET.name, 60_000);
      assert.equal(booting.state, 'booting');
      // One power-on: the firmware network-boots, the restore ends in a reboot, the firmware network-boots
      // again. The runner does not tick meanwhile: what the second boot gets, it gets from the job as
      // dploy-restore left it ("installed"), as when a machine reboots faster than runner.schedule.
      const vm = bootMachine(lab, 'bios', TARGET.mac, work, { disk, serialSocket: true, reboots: true });
      const console = await SerialConsole.open(`${vm.serialLog}.sock`);
      try {
        await console.waitFor(new RegExp(`^dploy-restore: image ${IMAGE} restored onto /dev/vda\\r?$`, 'm'), 600_000);
        t.diagnostic(`restored ${Math.round((Date.now() - vm.startedAt) / 1000)} s after power-on`);
        const hostname = await console.login('root', 'dploy-e2e', 600_000);
        t.diagnostic(`login prompt from the restored disk ${Math.round((Date.now() - vm.startedAt) / 1000)} s after power-on`);
        assert.equal(hostname, SOURCE.hostname);
        await console.run('dmesg -n 1');
        assert.equal(await console.run(FACTS), sourceFacts);
        assert.match(await console.run('findmnt -no SOURCE /'), /^\/dev\/vda2\n$/);
        // CPU seconds say what this costs on an idle machine, where wall-clock times here (2 shared cores) do not.
        t.diagnostic(`the target VM used ${cpuSeconds(vm.process.child.pid)} CPU-s from power-on to the login`);
      } catch (err) {
        t.diagnostic(logTails({ serial: vm.serialLog, dploy: serve.logFile, dnsmasq: dnsmasq.logFile }));
        throw err;
      } finally {
        console.close();
        await lab.stop(vm.process);
      }
      const done = await settle('restore', TARGET.name, 60_000);
      assert.equal(done.state, 'done', JSON.stringify(done));
      const events = await site.jobEvents(done.id);
      const starts = events.filter((e) => /^started: restoring image/.test(e.message ?? ''));
      assert.equal(starts.length, 1, `restored once, not again on the reboot: ${JSON.stringify(events)}`);
      const host = JSON.parse(await site.dploy('hosts', 'show', TARGET.name, '--json')) as { bootState: string };
      assert.equal(host.bootState, 'localboot');
    },
  );
});

/** Copies the boot environment `dploy boot-env build` made (or finds up to date) in the cache into the site's TFTP root. */
async function layBootEnvironment(tftpRoot: string): Promise<void> {
  const cached = join(BOOTENV_CACHE, 'tftp');
  mkdirSync(cached, { recursive: true });
  const built = await runDploy(['boot-env', 'build', '--arch', 'amd64', '--cache-dir', join(BOOTENV_CACHE, 'packages')], {
    cwd: tmpdir(),
    env: { DPLOY_TFTP_ROOT: cached },
  });
  assert.equal(built.code, 0, built.stderr);
  cpSync(join(cached, 'dploy'), join(tftpRoot, 'dploy'), { recursive: true });
}

/** Runs the runner until the host's newest job of `kind` is booting or has ended. */
async function settle(kind: string, hostName: string, timeoutMs: number): Promise<{ id: number; state: string; message?: string }> {
  const host = JSON.parse(await site.dploy('hosts', 'show', hostName, '--json')) as { id: number };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await site.dploy('runner', '--once');
    const jobs = JSON.parse(await site.dploy('jobs', 'list', '--json')) as Array<{ id: number; kind: string; state: string; hostId: number; message?: string }>;
    const job = jobs.filter((j) => j.kind === kind && j.hostId === host.id).sort((a, b) => b.id - a.id)[0];
    if (job && ['booting', 'done', 'failed', 'cancelled'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`the ${kind} job of ${hostName} did not settle: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Runs `command` over SSH as root once sshd answers; the source VM boots under emulation for a minute or so. */
async function sshWhenUp(port: number, key: string, command: string, timeoutMs: number, serialLog: string): Promise<string> {
  const args = ['-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];
  args.push('-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', command);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await promisify(execFile)('ssh', args, { timeout: 60_000 })).stdout;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`the source VM's sshd did not answer within ${timeoutMs / 1000} s: ${String(err)}\n${logTails({ serialLog })}`);
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

/** CPU seconds a qemu process used (`ip netns exec` execs qemu: the child's pid is qemu's). */
function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? 0 : Math.round(cpuOfPid(pid));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

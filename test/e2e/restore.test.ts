// Bare-metal restore, end to end (issue 22), on BIOS and UEFI at the same time.
// Two Debian 12 sources with sshd, each captured by dploy's real `image` job:
// under SeaBIOS a server-style machine of two disks, md RAID1 of both and LVM
// on it (/ and /srv on LVs; support/raid-lvm-disks.sh, built in a VM); under
// OVMF one GPT disk with an ext4 / and a FAT EFI system partition at /boot/efi
// (support/debian-disk.sh). Then two VMs with larger blank disks (two for the
// RAID1), in
// the lab's network namespace, PXE-boot with real firmware (SeaBIOS + iPXE
// ROM; OVMF's own PXE client and GRUB), DHCP from dnsmasq fed by `dploy dhcp
// export`, into the restore entry dploy serves live: dploy's boot environment,
// whose dploy-restore partitions the disks, makes the md array and the volume
// group with the source's UUIDs, makes the filesystems (ext4 and vfat, with
// the source's UUIDs and labels), restores the archives, reinstalls GRUB
// (i386-pc on both RAID1 disks; x86_64-efi into the ESP and the firmware's
// variables) and calls back. Each VM reboots; dploy's entry sends it to its disk, and it
// reaches a login prompt on ttyS0, where the test logs in and finds the
// source's hostname, array, volumes, filesystem UUIDs and files. The runner then ends the
// jobs. Software emulation throughout (TCG), one vCPU per target on the two
// cores. Run as root. The boot environment and the source disks are built once
// and cached (boot-env-cache.ts, debian-disk.ts, raid-lvm-disks.ts).

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DPLOY_BIN, cleanEnv } from '../support/cli.js';
import { cpuOfPid } from '../support/process-cpu.js';
import { checkPrerequisites, layTftpRoot } from './support/boot-media.js';
import { cachedBootEnvironment } from './support/boot-env-cache.js';
import { debianDisk, type DebianDisk } from './support/debian-disk.js';
import { raidLvmDisks, type RaidLvmDisks } from './support/raid-lvm-disks.js';
import type { ImageManifest } from '../../plugin/images/manifest.js';
import { BASE_URL, DploySite, HTTP_PORT, siteEnv } from './support/dploy-site.js';
import { LabNetwork, type LabProcess } from './support/lab-network.js';
import { logTails } from './support/boot-watch.js';
import { bootFromDisk, bootMachine, type Firmware } from './support/qemu-machine.js';
import { SerialConsole } from './support/serial-console.js';
import { freePort, sshWhenUp } from './support/vm-ssh.js';
import { startDnsmasq, waitForListeners } from './support/lab-services.js';

const FIRMWARES = ['bios', 'uefi'] as const;
/** A source machine per firmware: each capture is its own host and image. */
const SOURCES: Record<Firmware, { name: string; mac: string }> = {
  bios: { name: 'dploy-e2e-src-bios', mac: '52:54:00:e2:e1:01' },
  uefi: { name: 'dploy-e2e-src-uefi', mac: '52:54:00:e2:e1:02' },
};
const TARGETS: Record<Firmware, { name: string; mac: string }> = {
  bios: { name: 'dploy-e2e-dst-bios', mac: '52:54:00:e2:e1:11' },
  uefi: { name: 'dploy-e2e-dst-uefi', mac: '52:54:00:e2:e1:12' },
};
const HOSTNAME = 'dploy-e2e-src';
const image = (firmware: Firmware) => `e2e-debian-${firmware}`;
/** What must be the same on the restored machine as on the source: printed the same way on both. */
const FILE_FACTS = ['cd /srv/dploy-e2e', 'sha256sum note.txt random.bin random-link.bin', "stat -c '%n %h %F %s' * | sort", 'readlink note-link.txt'];
const FACTS: Record<Firmware, string> = {
  bios: [
    'hostname',
    'findmnt -no FSTYPE,UUID,LABEL /',
    'findmnt -no FSTYPE,UUID,LABEL /srv',
    "mdadm --detail --export /dev/md0 | grep -E '^MD_(LEVEL|DEVICES|METADATA|UUID|NAME)=' | sort",
    'lvs --noheadings -o vg_name,vg_uuid,lv_name,lv_uuid,lv_size --units b',
    'pvs --noheadings -o pv_uuid',
    ...FILE_FACTS,
  ].join(' && '),
  uefi: ['hostname', 'findmnt -no FSTYPE,UUID,LABEL /', 'findmnt -no FSTYPE,UUID,LABEL /boot/efi', ...FILE_FACTS].join(' && '),
};

const lab = new LabNetwork();
let work: string;
let site: DploySite;
let serve: LabProcess;
let dnsmasq: LabProcess;
let source: DebianDisk;
let pair: RaidLvmDisks;
const sourceFacts = new Map<Firmware, string>();

before(async () => {
  checkPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'dploy-restore-e2e-'));
  source = debianDisk();
  pair = await raidLvmDisks();
  const tftpRoot = join(work, 'tftp');
  // Debian's netboot files: the UEFI target's PXE client gets grubx64.efi from there (dploy's default x64 UEFI loader).
  layTftpRoot(tftpRoot, `${BASE_URL}/answers/decoy-static-config-was-used`);
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
  for (const firmware of FIRMWARES) {
    await site.dploy('hosts', 'add', '--mac', SOURCES[firmware].mac, '--name', SOURCES[firmware].name);
    await site.dploy('hosts', 'add', '--mac', TARGETS[firmware].mac, '--name', TARGETS[firmware].name);
  }
  dnsmasq = startDnsmasq(lab, work, await site.writeDhcpFiles(work));
  await waitForListeners(lab, [['udp', 67]], dnsmasq);
});

after(async () => {
  await lab.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Debian machines captured over SSH and restored bare-metal onto larger disks over PXE, BIOS and UEFI at the same time', { timeout: 1_500_000 }, () => {
  test('the image jobs capture the running source VMs over SSH: RAID1 + LVM booted by SeaBIOS, GPT + ESP booted by OVMF', { timeout: 600_000 }, async (t) => {
    if (source.builtInS > 0) t.diagnostic(`source disk built from Debian's mirror in ${source.builtInS} s (cached for the next runs)`);
    if (pair.builtInS > 0) t.diagnostic(`RAID1 + LVM source disks built in a VM in ${pair.builtInS} s (cached for the next runs)`);
    await Promise.all(FIRMWARES.map((firmware) => capture(t, firmware)));
    for (const firmware of FIRMWARES) {
      const shown = JSON.parse(await site.dploy('images', 'show', image(firmware), '--json')) as { manifest: ImageManifest };
      const m = shown.manifest;
      assert.equal(m.firmware, firmware);
      assert.deepEqual(m.bootloader, firmware === 'uefi' ? { kind: 'grub', efiDirectory: '/boot/efi' } : { kind: 'grub' });
      if (firmware === 'uefi') {
        assert.deepEqual(
          m.filesystems.map((f) => [f.mountpoint, f.fstype, f.uuid]),
          [
            ['/', 'ext4', source.rootUuid],
            ['/boot/efi', 'vfat', source.espUuid],
          ],
        );
        continue;
      }
      assert.deepEqual(
        m.filesystems.map((f) => [f.mountpoint, f.fstype, f.uuid, f.lv]),
        [
          ['/', 'ext4', pair.rootUuid, 'dploy-vg/root'],
          ['/srv', 'ext4', pair.srvUuid, 'dploy-vg/srv'],
        ],
      );
      assert.deepEqual(
        m.disks.map((d) => d.device),
        ['/dev/vda', '/dev/vdb'],
      );
      assert.deepEqual(
        m.md?.map((a) => [a.device, a.uuid, a.level, a.members.map((x) => `${x.disk}:${x.partition}`)]),
        [['/dev/md0', pair.mdUuid, 'raid1', ['/dev/vda:2', '/dev/vdb:2']]],
      );
      assert.deepEqual(
        m.volumeGroups?.map((vg) => [vg.name, vg.uuid, vg.pvs.map((pv) => [pv.uuid, pv.md])]),
        [['dploy-vg', pair.vgUuid, [[pair.pvUuid, '/dev/md0']]]],
      );
    }
  });

  describe(
    "the targets: VMs with larger blank disks PXE-boot dploy's boot environment, restore, reboot from their disks to a login prompt with the source's hostname, array, volumes, UUIDs and files",
    { concurrency: 2 },
    () => {
      before(async () => {
        assert.equal(sourceFacts.size, FIRMWARES.length, 'the capture test ran first');
        for (const firmware of FIRMWARES) {
          await site.dploy('task', 'set', TARGETS[firmware].name, 'restore', '--image', image(firmware));
          assert.equal((await settle('restore', TARGETS[firmware].name, 60_000)).state, 'booting');
        }
      });
      for (const firmware of FIRMWARES) {
        const path =
          firmware === 'bios'
            ? 'SeaBIOS + iPXE, the environment over HTTP, md RAID1 + LVM on two disks, grub-install i386-pc on both'
            : "OVMF's PXE, GRUB, the environment over TFTP, grub-install x86_64-efi";
        test(`${firmware}: restored (${path}) and logged in`, { timeout: 900_000 }, async (t) => restore(t, firmware));
      }
    },
  );

  test('the runner ends both restore jobs; each machine restored once, not again on its reboot', async () => {
    for (const firmware of FIRMWARES) {
      const done = await settle('restore', TARGETS[firmware].name, 60_000);
      assert.equal(done.state, 'done', JSON.stringify(done));
      const events = await site.jobEvents(done.id);
      const starts = events.filter((e) => /^started: restoring image/.test(e.message ?? ''));
      assert.equal(starts.length, 1, `${firmware}: restored once: ${JSON.stringify(events)}`);
      const host = JSON.parse(await site.dploy('hosts', 'show', TARGETS[firmware].name, '--json')) as { bootState: string };
      assert.equal(host.bootState, 'localboot');
    }
  });
});

/** Boots the source disks under `firmware`, reads their facts over SSH, and has the image job capture them. */
async function capture(t: TestContext, firmware: Firmware): Promise<void> {
  const { name } = SOURCES[firmware];
  const port = await freePort();
  const key = firmware === 'bios' ? pair.privateKey : source.privateKey;
  const vm = bootFromDisk(firmware === 'bios' ? pair.disks : source.disk, work, port, firmware);
  const started = Date.now();
  try {
    const facts = await sshWhenUp(port, key, FACTS[firmware], 300_000, vm.serialLog);
    t.diagnostic(`${firmware}: source VM answered over SSH ${Math.round((Date.now() - started) / 1000)} s after qemu started`);
    const expected =
      firmware === 'bios'
        ? `^${HOSTNAME}\\next4 +${pair.rootUuid} +dploy-root\\next4 +${pair.srvUuid} +dploy-srv\\n[^]*MD_UUID=${pair.mdUuid}\\n`
        : `^${HOSTNAME}\\next4 +${source.rootUuid} +dploy-root\\nvfat +${source.espUuid} +DPLOY-ESP\\n`;
    assert.match(facts, new RegExp(expected), facts);
    sourceFacts.set(firmware, facts);
    await site.dploy('hosts', 'ssh', name, '--address', '127.0.0.1', '--port', String(port), '--user', 'root', '--private-key-file', key);
    await site.dploy('task', 'set', name, 'image', '--image', image(firmware));
    const captureStarted = Date.now();
    const job = await settle('image', name, 300_000);
    assert.equal(job.state, 'done', JSON.stringify(job));
    t.diagnostic(`${firmware}: captured in ${Math.round((Date.now() - captureStarted) / 1000)} s; the source VM used ${cpuSeconds(vm.child.pid)} CPU-s in all`);
  } catch (err) {
    t.diagnostic(logTails({ [`source-${firmware}`]: vm.serialLog }));
    throw err;
  } finally {
    await vm.stop();
  }
}

/**
 * One power-on: the firmware network-boots, the restore ends in a reboot, the firmware network-boots again. The
 * runner does not tick meanwhile: what the second boot gets, it gets from the job as dploy-restore left it
 * ("installed"), as when a machine reboots faster than runner.schedule: dploy's local-boot entry (iPXE's sanboot;
 * on UEFI GRUB chaining the disk's EFI loader), or on UEFI the firmware's own entry for the restored disk.
 */
async function restore(t: TestContext, firmware: Firmware): Promise<void> {
  // Larger than the source's: BIOS two (the RAID1's halves), UEFI one.
  const [disk, ...disks] = (firmware === 'bios' ? ['a', 'b'] : ['a']).map((n) => {
    const file = join(work, `target-${firmware}-${n}.img`);
    writeFileSync(file, '');
    truncateSync(file, 1536 * 2 ** 20);
    return file;
  });
  const vm = bootMachine(lab, firmware, TARGETS[firmware].mac, work, { disk, disks, serialSocket: true, reboots: true });
  const console = await SerialConsole.open(`${vm.serialLog}.sock`);
  const onto = firmware === 'bios' ? '/dev/vda /dev/vdb' : '/dev/vda';
  try {
    await console.waitFor(new RegExp(`^dploy-restore: image ${image(firmware)} restored onto ${onto}\\r?$`, 'm'), 600_000);
    t.diagnostic(`${firmware}: restored ${Math.round((Date.now() - vm.startedAt) / 1000)} s after power-on`);
    const hostname = await console.login('root', 'dploy-e2e', 600_000);
    t.diagnostic(`${firmware}: login prompt from the restored disk ${Math.round((Date.now() - vm.startedAt) / 1000)} s after power-on`);
    assert.equal(hostname, HOSTNAME);
    await console.run('dmesg -n 1');
    assert.equal(await console.run(FACTS[firmware]), sourceFacts.get(firmware));
    if (firmware === 'bios') {
      // / on the restored volume group, on the restored array of both disks; GRUB's boot code in both disks' MBR
      // (grub-install ran on each), so either disk boots alone.
      assert.match(await console.run('findmnt -no SOURCE /'), /^\/dev\/mapper\/dploy--vg-root\n$/);
      assert.match(await console.run('cat /proc/mdstat'), /^md0 : active raid1 (vd[ab]2\[[01]\] ?){2}$/m);
      assert.equal(await console.run('for d in /dev/vda /dev/vdb; do dd if=$d bs=512 count=1 2>/dev/null | grep -ac GRUB; done'), '1\n1\n');
    } else assert.match(await console.run('findmnt -no SOURCE /'), /^\/dev\/vda2\n$/);
    if (firmware === 'uefi') {
      // The second boot came back to dploy (the NIC is first in the boot order) and its GRUB local-boot entry chained
      // the disk's loader (pxe/boot/grub/localboot.eta); OVMF mirrors GRUB's console to the serial port.
      assert.match(readFileSync(vm.serialLog, 'latin1'), new RegExp(`Booting \`Boot ${TARGETS.uefi.name} from local disk'`));
      // The restored system's grub-install ran twice: its own EFI directory, registered in the firmware's
      // variables, and the removable path a machine with empty variables boots.
      assert.equal(await console.run('test -f /boot/efi/EFI/debian/grubx64.efi && test -f /boot/efi/EFI/BOOT/BOOTX64.EFI && echo both'), 'both\n');
      assert.match(await console.run("cat /sys/firmware/efi/efivars/Boot0* | tr -d '\\000' | grep -c debian || true"), /^[1-9]/);
    }
    // CPU seconds say what this costs on an idle machine, where wall-clock times here (2 shared cores) do not.
    t.diagnostic(`${firmware}: the target VM used ${cpuSeconds(vm.process.child.pid)} CPU-s from power-on to the login`);
  } catch (err) {
    t.diagnostic(logTails({ serial: vm.serialLog, dploy: serve.logFile, dnsmasq: dnsmasq.logFile }));
    throw err;
  } finally {
    console.close();
    await lab.stop(vm.process);
  }
}

/** Copies the boot environment `dploy boot-env build` made (or finds up to date) in the cache into the site's TFTP root. */
async function layBootEnvironment(tftpRoot: string): Promise<void> {
  cpSync(join(await cachedBootEnvironment(), 'dploy'), join(tftpRoot, 'dploy'), { recursive: true });
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

/** CPU seconds a qemu process used (`ip netns exec` execs qemu: the child's pid is qemu's). */
function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? 0 : Math.round(cpuOfPid(pid));
}

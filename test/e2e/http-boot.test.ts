// Network boot over dploy's HTTP path, end to end (issue 26). The same lab as
// pxe-boot.test.ts (a namespace, dnsmasq fed by `dploy dhcp export`, Debian
// 12's netboot installer), but no byte of the kernel or initrd crosses TFTP:
// - iPXE: SeaBIOS runs the iPXE ROM qemu's virtio NIC carries (ipxe-qemu);
//   dploy's DHCP snippet hands it (user class "iPXE") the /boot/ipxe script,
//   which fetches kernel and initrd from /boot/files.
// - UEFI HTTP Boot: OVMF with PXE off asks DHCP as "HTTPClient" (option 60,
//   option 93 = 16) and gets a boot-file URL under dploy's /boot/files: iPXE's
//   snponly.efi (Debian's ipxe), which asks DHCP again as iPXE and goes on as above.
// A boot has worked when dploy's HTTP log shows the script asked by the booting
// MAC, kernel and initrd sent whole (status 200, bytes = file size), no TFTP
// transfer, and the serial console shows the installer kernel running. The
// VMs stop there: the preseed fetch that follows is pxe-boot.test.ts's, and
// would double the time. Any answer of 400 or more to a VM fails the test at once.
// Both machines boot at once, as in pxe-boot.test.ts: about 40 s under TCG.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBootLab } from './support/boot-lab.js';
import { logTails, tftpServed } from './support/boot-watch.js';
import { BASE_URL, type DploySite } from './support/dploy-site.js';
import { accessLog, httpAnswers, type HttpAnswer } from './support/http-log.js';
import { LabNetwork, type LabProcess } from './support/lab-network.js';
import { startDnsmasq, waitForListeners } from './support/lab-services.js';
import { bootMachine, type BootingMachine, type Firmware } from './support/qemu-machine.js';

/** iPXE's EFI build that drives the NIC it was loaded from through the firmware's SNP (Debian package ipxe). */
const SNPONLY = '/usr/lib/ipxe/snponly.efi';
const KERNEL = 'debian-installer/amd64/linux';
const INITRD = 'debian-installer/amd64/initrd.gz';
const MACHINES: Record<Firmware, { name: string; macs: [string, string]; way: string }> = {
  bios: { name: 'http-e2e-ipxe', macs: ['52:54:00:e2:e1:01', '52:54:00:e2:e1:11'], way: 'SeaBIOS + iPXE ROM, DHCP user class iPXE, /boot/ipxe' },
  uefi: {
    name: 'http-e2e-uefi',
    macs: ['52:54:00:e2:e1:02', '52:54:00:e2:e1:12'],
    way: 'OVMF UEFI HTTP Boot (HTTPClient) of /boot/files/snponly.efi, then iPXE, /boot/ipxe',
  },
};
const BOOT_TIMEOUT_MS = 240_000;

const lab = new LabNetwork();
let work: string;
let tftpRoot: string;
let site: DploySite;
let serve: LabProcess;
let dnsmasq: LabProcess;
const jobIds = new Map<Firmware, number>();

before(async () => {
  if (!existsSync(SNPONLY)) throw new Error('missing Debian packages: apt-get install -y --no-install-recommends ipxe');
  work = mkdtempSync(join(tmpdir(), 'dploy-http-e2e-'));
  // HTTP Boot clients get iPXE from dploy's URL base instead of GRUB (dhcp.loaders.httpX64): Debian 12's signed
  // grubx64.efi, HTTP-booted, stops at its grub> prompt without asking for any grub.cfg (docs/http.md), so only
  // iPXE carries the boot on over HTTP. Every line of the DHCP files is dploy's.
  const opened = await openBootLab(lab, work, [MACHINES.bios, MACHINES.uefi], (root) => copyFileSync(SNPONLY, join(root, 'snponly.efi')), {
    DPLOY_DHCP_LOADERS_HTTP_X64: `${BASE_URL}/boot/files/snponly.efi`,
  });
  ({ tftpRoot, site, serve } = opened);
  jobIds.set('bios', opened.jobIds[0]!);
  jobIds.set('uefi', opened.jobIds[1]!);
  const files = opened.dhcpFiles;
  assert.match(
    readFileSync(files.boot, 'utf8'),
    /^dhcp-boot=tag:dploy-http-x64,\S+\/boot\/files\/snponly\.efi$/m,
    'dploy hands UEFI HTTP Boot clients the URL set',
  );
  dnsmasq = startDnsmasq(lab, work, files);
  await waitForListeners(lab, [['udp', 67]], dnsmasq);
});

after(async () => {
  await lab.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('network boot over HTTP from dploy', { concurrency: 2 }, () => {
  for (const firmware of ['bios', 'uefi'] as const) {
    const { name, macs, way } = MACHINES[firmware];
    const mac = macs[0];
    test(
      `${firmware}: ${way}: dploy sends kernel and initrd whole over HTTP and the installer kernel starts`,
      { timeout: BOOT_TIMEOUT_MS + 60_000 },
      async (t) => {
        const vm = bootMachine(lab, firmware, mac, work, { httpBoot: firmware === 'uefi' });
        try {
          const seen = await waitForKernel(vm, firmware, mac);
          t.diagnostic(
            `${firmware}: script at ${seen.scriptAfterS} s, initrd sent at ${seen.initrdAfterS} s, kernel started by ${seen.kernelAfterS} s after qemu started`,
          );
          const fromVm = httpAnswers(serve.logFile).filter((a) => a.client === seen.script.client);
          const log = accessLog(fromVm);
          assert.equal(decodeURIComponent(seen.script.url), `/boot/ipxe?mac=${mac}`, `iPXE asked for its script by the MAC it booted from:\n${log}`);
          for (const file of [KERNEL, INITRD]) assertSentWhole(fromVm, file, log);
          // OVMF's own DHCP lease may differ from iPXE's (another client identifier): any lab address; only this VM asks it.
          if (firmware === 'uefi') assertSentWhole(httpAnswers(serve.logFile), 'snponly.efi', accessLog(httpAnswers(serve.logFile)));
          assert.deepEqual(
            tftpServed(serve.logFile).filter((s) => s.client.startsWith('192.0.2.')),
            [],
            'nothing was fetched over TFTP',
          );
          assert.equal((await site.job(jobIds.get(firmware)!)).bootMac, mac, "the job records the NIC iPXE's script was served to");
          // iPXE's EFI console reaches the serial port whole; SeaBIOS's mirror may drop characters (boot-watch.ts).
          if (firmware === 'uefi')
            assert.match(readFileSync(vm.serialLog, 'latin1'), new RegExp(`Install debian-12-web on ${name}`), "iPXE ran dploy's script");
        } catch (err) {
          t.diagnostic(logTails({ serial: vm.serialLog, dploy: serve.logFile, dnsmasq: dnsmasq.logFile }));
          throw err;
        } finally {
          await lab.stop(vm.process);
        }
      },
    );
  }
});

function assertSentWhole(answers: readonly HttpAnswer[], file: string, log: string): void {
  const size = statSync(join(tftpRoot, file)).size;
  assert.ok(
    answers.some((a) => a.url === `/boot/files/${file}` && a.status === 200 && a.bytes === size),
    `dploy sent ${file} whole (200, ${size} bytes):\n${log}`,
  );
}

/**
 * What the installer kernel prints first on each firmware's serial console. BIOS: its real-mode setup
 * code probes the disks through int 13h and says so through int 10h, which SeaBIOS's serial console
 * mirrors (arch/x86/boot/edd.c; either half, as that mirror may drop characters). UEFI: its EFI stub loading the initrd iPXE handed it (initrd=initrd0
 * in dploy's script), on the EFI console OVMF mirrors to the serial port.
 */
const KERNEL_STARTED: Record<Firmware, RegExp> = { bios: /Probing EDD|edd=off to disable/, uefi: /EFI stub: Loaded initrd from/ };

interface KernelSeen {
  script: HttpAnswer;
  scriptAfterS: number;
  initrdAfterS: number;
  kernelAfterS: number;
}

/**
 * Polls dploy's HTTP log and the serial console until the kernel dploy sent has started. Fails at once
 * on an answer of 400 or more to a lab machine (a broken HTTP path), on qemu's exit, on the static
 * decoy config, and at the deadline.
 */
async function waitForKernel(vm: BootingMachine, firmware: Firmware, mac: string): Promise<KernelSeen> {
  const seconds = () => Math.round((Date.now() - vm.startedAt) / 100) / 10;
  const times: Partial<KernelSeen> = {};
  for (;;) {
    const answers = httpAnswers(serve.logFile).filter((a) => a.client.startsWith('192.0.2.') && a.client !== '192.0.2.1');
    const refused = answers.find((a) => a.status !== undefined && a.status >= 400);
    if (refused) throw new Error(`dploy answered ${refused.status} to ${refused.method} ${refused.url}:\n${accessLog(answers)}`);
    const script = answers.find((a) => decodeURIComponent(a.url) === `/boot/ipxe?mac=${mac}`);
    if (script && !times.script) [times.script, times.scriptAfterS] = [script, seconds()];
    const sent = script && answers.some((a) => a.client === script.client && a.url === `/boot/files/${INITRD}` && a.bytes !== undefined);
    if (sent && !times.initrdAfterS) times.initrdAfterS = seconds();
    if (sent && KERNEL_STARTED[firmware].test(readFileSync(vm.serialLog, 'latin1'))) return { ...(times as KernelSeen), kernelAfterS: seconds() };
    if (vm.process.child.exitCode !== null) throw new Error(`qemu exited with ${vm.process.child.exitCode} after ${seconds()} s`);
    if (/decoy-static-config-was-used/.test(readFileSync(serve.logFile, 'utf8'))) throw new Error('a static decoy config was booted');
    if (Date.now() - vm.startedAt > BOOT_TIMEOUT_MS)
      throw new Error(`the installer kernel did not start within ${BOOT_TIMEOUT_MS / 1000} s:\n${accessLog(answers)}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

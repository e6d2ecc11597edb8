// Real firmware, end to end (issues 5 and 7). In a network namespace of its
// own, a qemu VM powers on with real firmware, gets DHCP from dnsmasq fed by
// the files `dploy dhcp export` writes, loads its boot loader from dploy's
// TFTP, reads its per-MAC entry from dploy's live route, boots Debian 12's
// netboot installer, and the installer fetches its preseed from dploy
// (the job's "answer-fetched" event) and runs its early_command, which calls
// back "started". BIOS: SeaBIOS + iPXE ROM -> pxelinux.0 -> pxelinux.cfg/01-<mac>,
// from the VM's SECOND NIC (its first is attached to nothing and was given
// first to `hosts add`): the job records the NIC that fetched the entry and
// its preseed names that one. UEFI: OVMF's PXE -> grubx64.efi ->
// grub.cfg-01-<mac>. Software emulation: about two minutes per boot, both at once. Run as root.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBootLab } from './support/boot-lab.js';
import type { DploySite } from './support/dploy-site.js';
import { LabNetwork, type LabProcess } from './support/lab-network.js';
import { bootMachine, type Firmware } from './support/qemu-machine.js';
import { waitForInstallerCallbacks, logTails, tftpServed } from './support/boot-watch.js';
import { startDnsmasq, waitForListeners } from './support/lab-services.js';

/** `macs` in PCI order as `hosts add` gets them; `mac` is the NIC the firmware boots from. */
const MACHINES: Record<Firmware, { name: string; mac: string; macs: [string, string]; unplugged?: string; loader: string }> = {
  bios: {
    name: 'pxe-e2e-bios',
    mac: '52:54:00:e2:e0:01',
    macs: ['52:54:00:e2:e0:11', '52:54:00:e2:e0:01'],
    unplugged: '52:54:00:e2:e0:11',
    loader: 'pxelinux.0',
  },
  uefi: { name: 'pxe-e2e-uefi', mac: '52:54:00:e2:e0:02', macs: ['52:54:00:e2:e0:02', '52:54:00:e2:ff:02'], loader: 'grubx64.efi' },
};
const BOOT_TIMEOUT_MS = 360_000;

const lab = new LabNetwork();
let work: string;
let site: DploySite;
let serve: LabProcess;
let dnsmasq: LabProcess;
const jobIds = new Map<Firmware, number>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dploy-pxe-e2e-'));
  const opened = await openBootLab(lab, work, [MACHINES.bios, MACHINES.uefi]);
  ({ site, serve } = opened);
  jobIds.set('bios', opened.jobIds[0]!);
  jobIds.set('uefi', opened.jobIds[1]!);
  // qemu's only BIOS PXE ROM is iPXE, and dploy's snippet hands iPXE (user class "iPXE",
  // option 77) its HTTP script (test/e2e/http-boot.test.ts walks that way). To walk the pxelinux
  // path a site's Intel or Broadcom ROM takes, the one line that recognises iPXE is left out;
  // every other line is dploy's.
  dnsmasq = startDnsmasq(lab, work, opened.dhcpFiles, { withoutIpxeScript: true });
  await waitForListeners(lab, [['udp', 67]], dnsmasq);
});

after(async () => {
  await lab.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Both machines boot at once (a tap each): two single-vCPU emulations on two cores, and dploy serving two
// firmwares side by side, in about half the time of one after the other.
describe('BIOS and UEFI machines booting at the same time', { concurrency: 2 }, () => {
  for (const firmware of ['bios', 'uefi'] as const) {
    const path = firmware === 'bios' ? 'its second NIC, SeaBIOS + iPXE ROM, pxelinux.0, pxelinux.cfg/01-<mac>' : 'OVMF PXE, grubx64.efi, grub.cfg-01-<mac>';
    test(
      `${firmware}: a registered machine boots Debian's installer from dploy's live entry (${path}); the installer fetches its preseed and calls back "started"`,
      { timeout: BOOT_TIMEOUT_MS + 60_000 },
      async (t) => {
        const { name, mac, loader, unplugged } = MACHINES[firmware];
        const jobId = jobIds.get(firmware)!;
        const vm = bootMachine(lab, firmware, mac, work, unplugged ? { unplugged } : {});
        try {
          const seen = await waitForInstallerCallbacks({ site, jobId, vm, dployLog: serve.logFile, timeoutMs: BOOT_TIMEOUT_MS });
          t.diagnostic(`${firmware}: preseed fetched ${seen.answerFetchedAfterS} s after qemu started, "started" ${seen.startedAfterS} s`);
          const events = await site.jobEvents(jobId);
          assert.ok(
            events.some((e) => e.toState === 'installing' && /answer file served to 192\.0\.2\./.test(e.message ?? '')),
            `the answer-fetched event from the VM is in the job's log: ${JSON.stringify(events)}`,
          );
          assert.ok(
            events.some((e) => /debian-installer read the preseed/.test(e.message ?? '')),
            'the preseed early_command called back "started"',
          );
          assert.doesNotMatch(readFileSync(serve.logFile, 'utf8'), /decoy-static-config-was-used/, 'the static decoy config was never booted');
          const served = tftpServed(serve.logFile).filter((s) => s.client.startsWith('192.0.2.'));
          assert.ok(
            served.some((s) => s.path === loader && s.route === 'static-root'),
            `the VM loaded ${loader} from dploy's TFTP root: ${JSON.stringify(served)}`,
          );
          const macInName = new RegExp(`${mac.replace(/:/g, '[:-]')}$`, 'i');
          assert.ok(
            served.some((s) => s.route === 'boot-config' && macInName.test(s.path)),
            `the loader read its per-MAC entry from dploy's live route: ${JSON.stringify(served)}`,
          );
          assert.equal((await site.job(jobId)).bootMac, mac, 'the job records the NIC its boot entry was served to');
          const preseed = await site.dploy('render', name, 'answer');
          assert.ok(preseed.includes(`boot NIC ${mac}: the NIC this job's boot entry was served to`), 'the preseed the job serves names that NIC');
          const host = JSON.parse(await site.dploy('hosts', 'show', name, '--json')) as { bootNic: { mac: string; source: string } };
          assert.deepEqual([host.bootNic.mac, host.bootNic.source], [mac, 'seen'], 'the host shows it as its boot NIC, seen at boot');
          if (firmware === 'uefi') {
            // GRUB echoes the rendered entry's title to the EFI console, which OVMF mirrors to the serial
            // port (EDK2 waits for the UART; SeaBIOS's serial console drops characters, so BIOS has no such check).
            assert.match(readFileSync(vm.serialLog, 'latin1'), new RegExp(`Loading dploy install debian-12-web on ${name}`));
          }
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

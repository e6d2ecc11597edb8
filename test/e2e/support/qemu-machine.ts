// A qemu VM that network-boots from the lab's tap with real firmware:
// BIOS = SeaBIOS + the iPXE option ROM Debian ships for virtio-net (ipxe-qemu);
// UEFI = OVMF with its own EDK2 PXE client, or its HTTP Boot client alone
// (PXE turned off through fw_cfg). Software emulation (TCG): on these
// machines /dev/kvm may exist but nested KVM cannot run firmware (PXE-E2E.md).

import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OVMF_CODE, OVMF_VARS } from './boot-media.js';
import type { LabNetwork, LabProcess } from './lab-network.js';

export type Firmware = 'bios' | 'uefi';

export interface BootingMachine {
  process: LabProcess;
  serialLog: string;
  startedAt: number;
}

export interface MachineOptions {
  /**
   * A first NIC attached to nothing (no netdev), placed before the boot NIC on
   * the PCI bus, so that the firmware boots from the machine's SECOND NIC
   * (bootindex), as a site's BIOS set to boot from NIC 2 does.
   */
  unplugged?: string;
  /**
   * UEFI only: OVMF's PXE boot options left out (opt/org.tianocore/IPv4PXESupport and IPv6PXESupport,
   * OvmfPkg/RUNTIME_CONFIG.md), so the NIC's first boot option is UEFI HTTP Boot (IPv4), as on a
   * machine set to boot "UEFI HTTPv4" first.
   */
  httpBoot?: boolean;
}

export function bootMachine(lab: LabNetwork, firmware: Firmware, mac: string, workDir: string, options: MachineOptions = {}): BootingMachine {
  const { unplugged } = options;
  const serialLog = join(workDir, `serial-${firmware}.log`);
  // UEFI: the NIC's ROM is dropped (romfile=) so OVMF's own PXE client runs, as on most
  // real UEFI machines; Debian 12's iPXE EFI ROM breaks shim (PXE-E2E.md, gotcha 4).
  const rom = firmware === 'uefi' ? ',romfile=' : '';
  const nic = `virtio-net-pci,netdev=n0,mac=${mac},bootindex=1${rom}`;
  const args = [
    'qemu-system-x86_64',
    '-name',
    `dploy-e2e-${firmware}`,
    '-accel',
    'tcg',
    '-m',
    '1024',
    '-smp',
    '1',
    '-display',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-serial',
    `file:${serialLog}`,
    ...(unplugged ? ['-device', `virtio-net-pci,mac=${unplugged}${rom}`] : []),
    '-netdev',
    `tap,id=n0,ifname=${firmware === 'bios' ? 'tap0' : 'tap1'},script=no,downscript=no`,
    '-device',
    nic,
  ];
  if (firmware === 'uefi') {
    const vars = join(workDir, 'ovmf-vars.fd');
    copyFileSync(OVMF_VARS, vars);
    args.push('-machine', 'q35', '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
    if (options.httpBoot) args.push('-fw_cfg', 'name=opt/org.tianocore/IPv4PXESupport,string=n', '-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=n');
  } else {
    // SeaBIOS's serial console (sercon): it mirrors every int 10h write, so what iPXE and pxelinux
    // print on screen lands in the serial log too. fw_cfg etc/sercon-port is read as a
    // little-endian integer: the I/O port of COM1, 0x3f8.
    const sercon = join(workDir, 'sercon-port');
    writeFileSync(sercon, Buffer.from([0xf8, 0x03]));
    args.push('-boot', 'order=n', '-fw_cfg', `name=etc/sercon-port,file=${sercon}`);
  }
  const startedAt = Date.now();
  return { process: lab.start(`qemu-${firmware}`, args, join(workDir, `qemu-${firmware}.log`)), serialLog, startedAt };
}

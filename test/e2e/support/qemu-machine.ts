// A qemu VM that network-boots from the lab's tap with real firmware:
// BIOS = SeaBIOS + the iPXE option ROM Debian ships for virtio-net (ipxe-qemu);
// UEFI = OVMF with its own EDK2 PXE client. Software emulation (TCG): on these
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

/**
 * `unplugged`: a first NIC attached to nothing (no netdev), placed before the
 * boot NIC on the PCI bus, so that the firmware boots from the machine's
 * SECOND NIC (bootindex), as a site's BIOS set to boot from NIC 2 does.
 */
export function bootMachine(lab: LabNetwork, firmware: Firmware, mac: string, workDir: string, unplugged?: string): BootingMachine {
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

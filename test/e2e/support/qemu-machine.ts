// A qemu VM that network-boots from the lab's tap with real firmware:
// BIOS = SeaBIOS + the iPXE option ROM Debian ships for virtio-net (ipxe-qemu);
// UEFI = OVMF with its own EDK2 PXE client, or its HTTP Boot client alone
// (PXE turned off through fw_cfg). Software emulation (TCG): on these
// machines /dev/kvm may exist but nested KVM cannot run firmware (PXE-E2E.md).

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
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
   * A first NIC attached to nothing (no netdev), placed before the
   * boot NIC on the PCI bus, so that the firmware boots from the machine's
   * SECOND NIC (bootindex), as a site's BIOS set to boot from NIC 2 does.
   */
  unplugged?: string;
  /**
   * UEFI only: OVMF's PXE boot options left out (opt/org.tianocore/IPv4PXESupport and IPv6PXESupport,
   * OvmfPkg/RUNTIME_CONFIG.md), so the NIC's first boot option is UEFI HTTP Boot (IPv4), as on a
   * machine set to boot "UEFI HTTPv4" first.
   */
  httpBoot?: boolean;
  /** A raw disk image: a virtio disk the firmware tries after the network (bootindex 2). */
  disk?: string;
  /**
   * More raw disk images, virtio disks after `disk`, tried in this order after it (bootindex 3, 4, …), as a server's
   * BIOS lists its disks: a RAID1 pair boots from its second disk when the first is blank.
   */
  disks?: string[];
  /** The serial port as a Unix socket (`<serialLog>.sock`) a test can log in through, logged to serialLog all the same. */
  serialSocket?: boolean;
  /** A reboot reboots (the firmware runs again) instead of ending qemu (-no-reboot). */
  reboots?: boolean;
  /** Names the VM and its logs, when one firmware boots several machines in a test. */
  label?: string;
}

export function bootMachine(lab: LabNetwork, firmware: Firmware, mac: string, workDir: string, o: MachineOptions = {}): BootingMachine {
  const { unplugged } = o;
  const label = o.label ?? firmware;
  const serialLog = join(workDir, `serial-${label}.log`);
  // UEFI: the NIC's ROM is dropped (romfile=) so OVMF's own PXE client runs, as on most
  // real UEFI machines; Debian 12's iPXE EFI ROM breaks shim (PXE-E2E.md, gotcha 4).
  const rom = firmware === 'uefi' ? ',romfile=' : '';
  const nic = `virtio-net-pci,netdev=n0,mac=${mac},bootindex=1${rom}`;
  const args = [
    'qemu-system-x86_64',
    '-name',
    `dploy-e2e-${label}`,
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
    ...(o.reboots ? [] : ['-no-reboot']),
    ...(o.serialSocket
      ? ['-chardev', `socket,id=ser0,path=${serialLog}.sock,server=on,wait=off,logfile=${serialLog}`, '-serial', 'chardev:ser0']
      : ['-serial', `file:${serialLog}`]),
    ...[...(o.disk ? [o.disk] : []), ...(o.disks ?? [])].flatMap((file, i) => [
      '-drive',
      `file=${file},format=raw,if=none,id=disk${i}`,
      '-device',
      `virtio-blk-pci,drive=disk${i},bootindex=${i + 2}`,
    ]),
    ...(unplugged ? ['-device', `virtio-net-pci,mac=${unplugged}${rom}`] : []),
    '-netdev',
    `tap,id=n0,ifname=${firmware === 'bios' ? 'tap0' : 'tap1'},script=no,downscript=no`,
    '-device',
    nic,
  ];
  if (firmware === 'uefi') {
    const vars = join(workDir, `ovmf-vars-${mac.replace(/:/g, '')}.fd`);
    // Kept across the boots of one machine: a restore's EFI boot entry must still be there on its next boot.
    if (!existsSync(vars)) copyFileSync(OVMF_VARS, vars);
    args.push('-machine', 'q35', '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
    if (o.httpBoot) args.push('-fw_cfg', 'name=opt/org.tianocore/IPv4PXESupport,string=n', '-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=n');
  } else {
    // SeaBIOS's serial console (sercon): it mirrors every int 10h write, so what iPXE and pxelinux
    // print on screen lands in the serial log too. fw_cfg etc/sercon-port is read as a
    // little-endian integer: the I/O port of COM1, 0x3f8.
    const sercon = join(workDir, 'sercon-port');
    writeFileSync(sercon, Buffer.from([0xf8, 0x03]));
    args.push('-boot', 'order=n', '-fw_cfg', `name=etc/sercon-port,file=${sercon}`);
  }
  const startedAt = Date.now();
  return { process: lab.start(`qemu-${label}`, args, join(workDir, `qemu-${label}.log`)), serialLog, startedAt };
}

export interface DiskMachine {
  child: ChildProcess;
  serialLog: string;
  /** Whether qemu ended by itself (the guest powered off) within timeoutMs. */
  exited(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * A machine booting its own disk (SeaBIOS or OVMF, then GRUB from the disk) outside the lab, on qemu's user network:
 * its sshd is forwarded to 127.0.0.1:sshPort, where dploy's runner reaches it. `disks` are virtio disks in this order
 * (vda, vdb, …), the firmware booting from the first (a RAID1 pair is two); each is opened with snapshot=on: the
 * images are never written. `writable` disks follow them, written through: the blank disks a builder VM fills.
 */
export function bootFromDisk(disks: string | string[], workDir: string, sshPort: number, firmware: Firmware = 'bios', writable: string[] = []): DiskMachine {
  const serialLog = join(workDir, `serial-source-${firmware}.log`);
  // Two vCPUs (multi-threaded TCG): the capture's zstd -T0 and sshd's encryption run in the emulated guest.
  const args = ['-name', `dploy-e2e-source-${firmware}`, '-accel', 'tcg', '-m', '512', '-smp', '2', '-display', 'none', '-monitor', 'none'];
  if (firmware === 'uefi') {
    // OVMF with variables of its own: it boots the disk's removable path, EFI/BOOT/BOOTX64.EFI.
    const vars = join(workDir, 'ovmf-vars-source.fd');
    copyFileSync(OVMF_VARS, vars);
    args.push('-machine', 'q35', '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
  }
  args.push('-serial', `file:${serialLog}`);
  // Per drive rather than -snapshot, which would hold the writable disks' writes in temporary files too.
  for (const disk of [disks].flat()) args.push('-drive', `file=${disk},format=raw,if=virtio,snapshot=on`);
  for (const disk of writable) args.push('-drive', `file=${disk},format=raw,if=virtio`);
  args.push('-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${sshPort}-:22`, '-device', 'virtio-net-pci,netdev=n0');
  const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    serialLog,
    exited: (timeoutMs) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

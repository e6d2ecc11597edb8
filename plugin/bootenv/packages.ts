// What dploy's boot environment is made of: Debian packages, so every tool
// in it is the distribution's own build. The kernel comes from the
// architecture's metapackage; its modules are cut to what finds disks and
// NICs and reads the filesystems a restore makes.

export const BOOT_ENV_PACKAGES = [
  'busybox-static',
  // The shell /init and the agent scripts run under: busybox-static's ash runs its own applets before PATH (tar among them).
  'dash',
  'udhcpc',
  'lshw',
  'util-linux',
  'mount',
  'fdisk',
  'gdisk',
  'e2fsprogs',
  'xfsprogs',
  'dosfstools',
  'btrfs-progs',
  'lvm2',
  'mdadm',
  'tar',
  'zstd',
  'curl',
  'coreutils',
  'kmod',
  // The BMC's LAN settings for dploy-inventory (ipmitool lan print), where the machine has one.
  'ipmitool',
] as const;

/** The GRUB installers a restore may need, per architecture (the restored system's own grub-install runs first). */
export const GRUB_PACKAGES: Record<string, readonly string[]> = {
  amd64: ['grub-pc-bin', 'grub-efi-amd64-bin', 'grub2-common'],
  arm64: ['grub-efi-arm64-bin', 'grub2-common'],
};

export const KERNEL_METAPACKAGE: Record<string, string> = { amd64: 'linux-image-amd64', arm64: 'linux-image-arm64' };

/** Module trees kept under lib/modules/<version>/kernel: storage, NICs, virtio, the filesystems, RAID and LVM (net/: failover, which virtio_net needs). */
export const MODULE_DIRS = [
  'net',
  'drivers/net',
  'drivers/block',
  'drivers/ata',
  'drivers/scsi',
  'drivers/nvme',
  'drivers/virtio',
  'drivers/md',
  'drivers/char/ipmi',
  'fs',
  'lib',
  'crypto',
];

/** Loaded at boot, in this order (modprobe pulls their dependencies); efivarfs is loaded by /init on UEFI only. */
export const BOOT_MODULES = [
  'virtio_pci',
  'virtio_blk',
  'virtio_scsi',
  'virtio_net',
  'e1000',
  'e1000e',
  'igb',
  'ixgbe',
  'tg3',
  'bnx2',
  'r8169',
  'ahci',
  'ata_piix',
  'sd_mod',
  'nvme',
  'megaraid_sas',
  'mpt3sas',
  'hpsa',
  'ext4',
  'xfs',
  'vfat',
  'btrfs',
  'dm_mod',
  'raid1',
  'raid456',
];

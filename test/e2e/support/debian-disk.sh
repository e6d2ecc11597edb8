#!/bin/sh
# The source machine of the restore e2e test (test/e2e/restore.test.ts): a bootable Debian 12 disk image,
# debootstrapped from Debian's mirror, with Debian's cloud kernel (virtio, no hardware drivers: a smaller tree
# to capture and restore), and zstd and sfdisk, which dploy's capture runs on the machine; mdadm, lvm2 and the
# kernel's drivers/md (md, raid1, device-mapper) so that raid-lvm-disks.sh can build the RAID1 + LVM source on it,
# and busybox, which initramfs-tools puts in the initramfs (as on an installed system) for mdadm's boot scripts (rm).
# GPT: partition 1 is GRUB's BIOS boot partition, partition 2 the ext4 /, partition 3 (at the disk's end) an EFI
# system partition, FAT, mounted at /boot/efi. The disk boots under SeaBIOS (grub-pc in the boot sector) and under
# OVMF (GRUB for x86_64-efi at the ESP's removable path, EFI/BOOT/BOOTX64.EFI, as `grub-install --removable` puts it;
# grub-efi-amd64-bin beside grub-pc, so the restored system's own grub-install serves either firmware), so one cached
# image is the source of both restore tests. The build host may lack vfat (this one does): the ESP is written with
# mtools, never mounted.
# GRUB (grub-pc) and the kernel's console are on ttyS0, where systemd starts a getty; systemd-networkd asks DHCP
# on every en* NIC and sshd admits root with the key made here. /srv/dploy-e2e holds the files the test compares.
# The caller caches the result under a key that is this file's SHA-256: a changed recipe is a new image.
#
#   debian-disk.sh OUT_DIR DEB_CACHE_DIR    (as root; writes OUT_DIR/disk.img, OUT_DIR/id_ed25519)
set -eu
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
out=$1
debs=$2
mirror=${DPLOY_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$out" "$debs"
disk=$out/disk.img
mnt=$out/mnt
loop=

cleanup() {
  for m in dev/pts dev proc sys ""; do umount "$mnt/$m" 2>/dev/null || true; done
  [ -n "$loop" ] && { partx -d "$loop" 2>/dev/null || true; losetup -d "$loop" 2>/dev/null || true; }
}
trap cleanup EXIT

rm -f "$disk"
truncate -s 1200M "$disk"
# 1200 MiB = 2457600 sectors: the ESP's 32 MiB end 1 MiB before the disk's end (the backup GPT is there).
printf '%s\n' 'label: gpt' \
  'start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name=bios-boot' \
  'start=4096, size=2385920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root' \
  'start=2390016, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp' |
  sfdisk -q "$disk"
loop=$(losetup -f --show "$disk")
partx -a "$loop" 2>/dev/null || true
mkfs.ext4 -q -L dploy-root "${loop}p2"
mkfs.vfat -n DPLOY-ESP "${loop}p3" >/dev/null
mkdir -p "$mnt"
mount "${loop}p2" "$mnt"

debootstrap --variant=minbase --cache-dir="$debs" \
  --include=linux-image-cloud-amd64,grub-pc,grub-efi-amd64-bin,dosfstools,systemd-sysv,udev,openssh-server,kmod,iproute2,zstd,fdisk,mdadm,lvm2,busybox \
  bookworm "$mnt" "$mirror" >"$out/debootstrap.log" 2>&1 || { tail -n 20 "$out/debootstrap.log" >&2; exit 1; }

uuid=$(blkid -s UUID -o value "${loop}p2")
esp=$(blkid -s UUID -o value "${loop}p3")
echo dploy-e2e-src >"$mnt/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 dploy-e2e-src\n' >"$mnt/etc/hosts"
mkdir -p "$mnt/boot/efi"
# As Debian's installer writes them.
printf 'UUID=%s / ext4 errors=remount-ro 0 1\nUUID=%s /boot/efi vfat umask=0077 0 1\n' "$uuid" "$esp" >"$mnt/etc/fstab"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' >"$mnt/etc/systemd/network/50-dhcp.network"
ln -sf /lib/systemd/system/systemd-networkd.service "$mnt/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# Nothing waits for "network online" (boot is emulated and slow enough).
ln -sf /dev/null "$mnt/etc/systemd/system/systemd-networkd-wait-online.service"
rm -f "$out/id_ed25519" "$out/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C dploy-e2e -f "$out/id_ed25519"
mkdir -p -m 700 "$mnt/root/.ssh"
cp "$out/id_ed25519.pub" "$mnt/root/.ssh/authorized_keys"
echo 'root:dploy-e2e' | chroot "$mnt" chpasswd
cat >>"$mnt/etc/default/grub" <<'EOF'
GRUB_TIMEOUT=0
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_LINUX="console=ttyS0,115200n8"
GRUB_DISABLE_OS_PROBER=true
EOF

# The files the test compares after the restore: data, a hard link, a symlink, an xattr.
mkdir -p "$mnt/srv/dploy-e2e"
head -c 3000000 /dev/urandom >"$mnt/srv/dploy-e2e/random.bin"
echo "restored by dploy" >"$mnt/srv/dploy-e2e/note.txt"
ln "$mnt/srv/dploy-e2e/random.bin" "$mnt/srv/dploy-e2e/random-link.bin"
ln -s note.txt "$mnt/srv/dploy-e2e/note-link.txt"
setfattr -n user.dploy -v e2e "$mnt/srv/dploy-e2e/note.txt"

# Smaller means a faster capture and restore (both run under emulation): documentation, locales, apt's
# lists, udev's hardware database, and the kernel modules a virtio VM with ext4 never loads go.
rm -rf "$mnt"/usr/share/doc/* "$mnt"/usr/share/man/* "$mnt"/usr/share/locale/* "$mnt"/var/lib/apt/lists/* "$mnt"/var/cache/apt/*
rm -rf "$mnt"/usr/lib/udev/hwdb.d "$mnt"/usr/lib/udev/hwdb.bin "$mnt"/etc/udev/hwdb.bin
kver=$(ls "$mnt/lib/modules" | head -n 1)
for d in net/netfilter net/ipv4/netfilter net/ipv6/netfilter net/bridge net/sched net/openvswitch net/sunrpc net/ceph net/mac80211 \
  net/wireless net/bluetooth fs/xfs fs/btrfs fs/ocfs2 fs/nfs fs/nfsd fs/ceph fs/smb fs/cifs fs/gfs2 fs/f2fs fs/nilfs2 fs/jfs \
  fs/reiserfs fs/udf fs/ubifs fs/dlm fs/lockd fs/fscache fs/netfs drivers/gpu drivers/media drivers/net/wireless \
  drivers/infiniband drivers/staging drivers/iio drivers/bluetooth drivers/target drivers/nvme sound; do
  rm -rf "$mnt/lib/modules/$kver/kernel/$d"
done

# A /dev of the chroot's own: the loop device, its root partition, and the by-uuid link udev would make
# (grub-mkconfig writes root=UUID= only when /dev/disk/by-uuid/<uuid> exists; no udev runs here).
mount -t tmpfs -o mode=755 dploy-dev "$mnt/dev"
cp -a /dev/null /dev/zero /dev/random /dev/urandom "$loop" "${loop}p2" "$mnt/dev/"
mkdir -p "$mnt/dev/disk/by-uuid" "$mnt/dev/pts"
ln -s "../../${loop#/dev/}p2" "$mnt/dev/disk/by-uuid/$uuid"
for m in proc sys; do mount --bind "/$m" "$mnt/$m"; done
chroot "$mnt" depmod "$kver"
chroot "$mnt" update-initramfs -u -k "$kver" >"$out/initramfs.log" 2>&1
chroot "$mnt" grub-install --target=i386-pc "$loop" >"$out/grub.log" 2>&1
chroot "$mnt" update-grub >>"$out/grub.log" 2>&1
grep -q "root=UUID=$uuid" "$mnt/boot/grub/grub.cfg" || { echo "grub.cfg does not boot root=UUID=$uuid" >&2; exit 1; }
# UEFI: what grub-install --target=x86_64-efi --removable makes (it refuses an ESP that is not a mounted FAT): the
# modules in /boot/grub/x86_64-efi and a core image that finds / by UUID and reads the same grub.cfg.
cp -a "$mnt/usr/lib/grub/x86_64-efi" "$mnt/boot/grub/"
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n' "$uuid" >"$out/early.cfg"
cp "$out/early.cfg" "$mnt/tmp/early.cfg"
chroot "$mnt" grub-mkimage -O x86_64-efi -d /usr/lib/grub/x86_64-efi -c /tmp/early.cfg -p /boot/grub \
  -o /tmp/bootx64.efi part_gpt ext2 search >>"$out/grub.log" 2>&1
export MTOOLS_SKIP_CHECK=1
mmd -i "${loop}p3" ::/EFI ::/EFI/BOOT
mcopy -i "${loop}p3" "$mnt/tmp/bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
rm -f "$mnt/tmp/bootx64.efi" "$mnt/tmp/early.cfg"
# Free blocks zeroed would not matter to a sparse copy; fstrim makes the image file sparse again.
fstrim "$mnt" 2>/dev/null || true
cleanup
trap - EXIT
echo "$esp" >"$out/esp-uuid"
echo "$uuid" >"$out/root-uuid"

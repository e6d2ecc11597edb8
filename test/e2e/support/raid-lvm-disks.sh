#!/bin/sh
# The RAID1 + LVM source machine of the restore e2e test: two disks laid out as Debian's installer lays out a
# server's "RAID1 + LVM" (partman-md, partman-lvm), holding the system of debian-disk.sh's image.
# Each disk: GPT, partition 1 GRUB's BIOS boot partition (2048 sectors), partition 2 Linux RAID up to 1 MiB before
# the disk's end. md0: RAID1 of both partitions 2, metadata 1.2, named <homehost>:0 as the installer names it. md0 is
# the only PV of VG dploy-vg: LV root (ext4, label dploy-root, /), LV srv (ext4, label dploy-srv, /srv, holding
# /srv/dploy-e2e, the files the test compares), and free extents left in the VG. ext4 for srv too: debian-disk.sh
# drops the kernel's xfs modules and installs no xfsprogs. BIOS only (GRUB in the boot sector and the BIOS boot
# partition of both disks, so either disk alone boots); no ESP.
# It runs as root on a VM booted from debian-disk.sh's image (raid-lvm-disks.ts boots it; this host's kernel has
# neither md nor device-mapper), the two blank disks attached, and copies the running system onto them.
# On stdout: the facts the test compares, KEY=value lines; the rest goes to stderr.
# The caller caches the result under a key over debian-disk.sh and this file: a changed recipe is a new pair.
#
#   raid-lvm-disks.sh DISK_A DISK_B    (e.g. /dev/vdb /dev/vdc, blank)
set -eu
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The facts go out on fd 3, which LVM's commands would otherwise warn of as a leaked descriptor.
export LVM_SUPPRESS_FD_WARNINGS=1
a=$1
b=$2
vg=dploy-vg
t=/mnt/target
exec 3>&1 1>&2

for d in "$a" "$b"; do
  # The backup GPT takes the disk's last 33 sectors; 1 MiB is left free there as partman leaves it.
  size=$(($(blockdev --getsz "$d") - 4096 - 2048))
  printf '%s\n' 'label: gpt' \
    'start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name=bios-boot' \
    "start=4096, size=$size, type=A19D880F-05FC-4D3B-A006-743F0F84911E, name=raid" |
    sfdisk -q "$d"
done
udevadm settle
# --assume-clean: both members are blank (all zeros), so their data areas already match; a resync would only
# write the zeros again, taking minutes under emulation and filling the sparse images.
mdadm --create /dev/md0 --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 --homehost="$(hostname)" \
  --name="$(hostname):0" "${a}2" "${b}2"
pvcreate -q /dev/md0
vgcreate -q "$vg" /dev/md0
lvcreate -q -y -L 900M -n root "$vg"
lvcreate -q -y -L 300M -n srv "$vg"
udevadm settle
mkfs.ext4 -q -L dploy-root "/dev/$vg/root"
mkfs.ext4 -q -L dploy-srv "/dev/$vg/srv"

mkdir -p "$t"
mount "/dev/$vg/root" "$t"
mkdir "$t/srv"
mount "/dev/$vg/srv" "$t/srv"
# -x: the running root only (not /boot/efi, /proc, …, nor $t itself); -a keeps hard links, symlinks and xattrs.
# /srv/dploy-e2e lands on the srv LV, mounted where it goes.
cp -ax /. "$t"
rmdir "$t$t"

root_uuid=$(blkid -s UUID -o value "/dev/$vg/root")
srv_uuid=$(blkid -s UUID -o value "/dev/$vg/srv")
# As the installer writes it, by UUID; no /boot/efi line: the pair is BIOS only.
printf 'UUID=%s / ext4 errors=remount-ro 0 1\nUUID=%s /srv ext4 defaults 0 2\n' "$root_uuid" "$srv_uuid" >"$t/etc/fstab"
# The initramfs assembles md0 from these ARRAY lines (mkconf is what mdadm's postinst and the installer run).
/usr/share/mdadm/mkconf >"$t/etc/mdadm/mdadm.conf"
grep -q '^ARRAY ' "$t/etc/mdadm/mdadm.conf" || {
  echo "mdadm.conf has no ARRAY line" >&2
  exit 1
}
for m in dev dev/pts proc sys run; do mount --bind "/$m" "$t/$m"; done
# grub-pc's debconf answer, used by its upgrades: both disks, as they are named when the pair boots alone.
echo 'grub-pc grub-pc/install_devices multiselect /dev/vda, /dev/vdb' | chroot "$t" debconf-set-selections
chroot "$t" update-initramfs -u -k all
for d in "$a" "$b"; do chroot "$t" grub-install --target=i386-pc "$d"; done
chroot "$t" update-grub
# grub-mkconfig names an LVM root by its device-mapper path, not by UUID (10_linux: uses_abstraction lvm).
grep -q "root=/dev/mapper/dploy--vg-root " "$t/boot/grub/grub.cfg" || {
  echo "grub.cfg does not boot root=/dev/mapper/dploy--vg-root" >&2
  exit 1
}

# A clean pair: filesystems unmounted, the VG deactivated, md0 stopped (its superblocks marked clean).
for m in run sys proc dev/pts dev srv ""; do umount "$t/$m"; done
facts() {
  echo "MD_UUID=$(mdadm --detail --export /dev/md0 | sed -n 's/^MD_UUID=//p')"
  echo "MD_NAME=$(mdadm --detail --export /dev/md0 | sed -n 's/^MD_NAME=//p')"
  echo "VG_UUID=$(vgs --noheadings -o vg_uuid "$vg" | tr -d ' ')"
  echo "PV_UUID=$(pvs --noheadings -o pv_uuid /dev/md0 | tr -d ' ')"
  echo "ROOT_LV_UUID=$(lvs --noheadings -o lv_uuid "$vg/root" | tr -d ' ')"
  echo "SRV_LV_UUID=$(lvs --noheadings -o lv_uuid "$vg/srv" | tr -d ' ')"
  echo "VG_FREE_EXTENTS=$(vgs --noheadings -o vg_free_count "$vg" | tr -d ' ')"
  echo "ROOT_UUID=$root_uuid"
  echo "SRV_UUID=$srv_uuid"
}
facts >&3
vgchange -q -an "$vg"
mdadm --stop /dev/md0
sync

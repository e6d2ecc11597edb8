// md RAID and LVM, read by dploy's layout probes and restored by the real
// dploy-restore, inside dploy's own boot environment (issue 22). This build
// host's kernel has neither md nor device-mapper, so the boot environment
// (`dploy boot-env build`, cached) boots under qemu (TCG) with six blank
// disks and no network, and on its serial console the test
//   1. lays out a source on the first disks as an installer would (mdadm,
//      pvcreate, vgcreate, lvcreate, mkfs: the distribution's own tools);
//   2. reads it with readLayout — the very probes a capture runs over SSH —
//      and archives each filesystem with the capture's tar command;
//   3. serves restorePlan's plan and the archives from busybox httpd in the
//      VM and runs dploy-restore --disk onto the other disks;
//   4. assembles what it made and compares it with the source: array UUID,
//      name, level, superblock, data offset; VG, PV and LV UUIDs and sizes;
//      filesystem UUIDs and labels; every file's checksum and link count.
// The scenarios share one boot: Debian's RAID1 + LVM; then RAID5 beside a
// plain partition, restored onto disks still holding the first restore's
// array and volumes (assembled and active, as a rescue system may leave
// them); then a restore that fails half-way and must leave nothing to
// assemble or mount; then the RAID1 image onto one disk with the other given
// as missing (degraded), and the RAID5 image refused with its /boot disk
// missing. The full loop (GRUB, reboot, login) is restore.test.ts.
// Run as root.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TAR_CREATE } from '../../plugin/images/capture.js';
import { MANIFEST_FORMAT, type FilesystemEntry, type ImageManifest } from '../../plugin/images/manifest.js';
import { restorePlan } from '../../plugin/images/restore-plan.js';
import { readLayout } from '../../plugin/images/source-layout.js';
import { checkPrerequisites } from './support/boot-media.js';
import { cachedBootEnvironment } from './support/boot-env-cache.js';
import { SerialConsole } from './support/serial-console.js';

const SOURCES = ['/dev/vda', '/dev/vdb', '/dev/vdc'];
const TARGETS = ['/dev/vdd', '/dev/vde', '/dev/vdf'];
/** The source is mounted here in the boot environment; the manifest names it / as the source machine would. */
const SRC = '/mnt/src';
const TOKEN = 'storage-e2e';
/** busybox httpd runs CGI only under /cgi-bin: one script there answers as dploy does (cgi-bin/dploy below). */
const URL = 'http://127.0.0.1:8080/cgi-bin/dploy';
const FILES = '/tmp/files';
/** dploy's two routes a restore uses: GET /images/TOKEN/… (plan, archives) and POST /agent/v1/events, kept in /tmp/events. */
const CGI = `#!/bin/sh
case $REQUEST_METHOD in
  POST) head -c "$CONTENT_LENGTH" >> /tmp/events; echo >> /tmp/events; printf 'Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{}' ;;
  *) if [ -f "${FILES}$PATH_INFO" ]; then printf 'Content-Type: application/octet-stream\r\n\r\n'; cat "${FILES}$PATH_INFO"; else printf 'Status: 404 Not Found\r\n\r\n'; fi ;;
esac
`;

let work: string;
let qemu: ChildProcess;
let vm: SerialConsole;
/** The first test's image and its source's facts: the last test restores it again, degraded. */
let mirrored: { manifest: ImageManifest; lvm: string; fs: string; files: string } | undefined;
/** The second test's image (RAID5 beside /boot on the first disk). */
let striped: ImageManifest | undefined;

/** Runs `command` on the VM's console; a non-zero status throws with what it printed. */
async function sh(command: string, timeoutMs = 120_000): Promise<string> {
  // A subshell: a cd (the capture's tar) does not stay behind to keep a filesystem busy.
  const out = await vm.run(`( ${command} ); echo "@rc=$?"`, timeoutMs);
  const rc = /@rc=(\d+)\n?$/.exec(out);
  if (!rc || rc[1] !== '0') throw new Error(`${command}\n→ ${out}`);
  return out.replace(/@rc=\d+\n?$/, '');
}

/** Writes `text` to `path` in the VM, through base64 lines short enough for the console's line buffer. */
async function put(path: string, text: string): Promise<void> {
  const b64 = Buffer.from(text).toString('base64');
  await sh(`rm -f ${path}.b64`);
  for (let i = 0; i < b64.length; i += 900) await sh(`printf '%s\\n' '${b64.slice(i, i + 900)}' >> ${path}.b64`);
  await sh(`base64 -d ${path}.b64 > ${path} && rm ${path}.b64`);
}

/** What must come back the same: printed without device names (the source's disks are not the target's). */
const FILE_FACTS = `cd ${SRC} && find . -xdev -type f ! -path './lost+found*' -exec sha256sum {} + | sort -k 2 && find . -xdev ! -path './lost+found*' | sort | while read -r f; do stat -c '%n %F %h %a %u' "$f"; done`;

/** The image of what is mounted at SRC: the capture's probes and tar, the mountpoints as the source machine had them. */
async function capture(name: string): Promise<ImageManifest> {
  const layout = await readLayout((command) => sh(command), 'the storage VM');
  const filesystems: FilesystemEntry[] = [];
  for (const [i, m] of layout.mounts.entries()) {
    const file = `${name}-${i + 1}.tar.zst`;
    const out = `${FILES}/images/${TOKEN}/${file}`;
    await sh(`mkdir -p ${FILES}/images/${TOKEN} && cd ${m.target} && ${TAR_CREATE} . | zstd -q -c -3 > ${out}`);
    const [sum, bytes] = (await sh(`sha256sum ${out} | cut -d ' ' -f 1; stat -c %s ${out}`)).trim().split('\n');
    const mountpoint = m.target === SRC ? '/' : m.target.slice(SRC.length);
    filesystems.push({ ...layout.filesystems[i]!, mountpoint, archive: { file, bytes: Number(bytes), sha256: sum!, format: 'tar+zstd' } });
  }
  return {
    format: MANIFEST_FORMAT,
    name,
    createdAt: new Date().toISOString(),
    source: { host: 'storage-e2e', address: '127.0.0.1' },
    ...layout.manifest,
    filesystems,
  };
}

/** Runs dploy-restore onto `targets` with the plan in place; returns its exit status, words and the reports it sent. */
async function runRestore(targets: string[]): Promise<{ status: number; output: string; events: Array<{ event: string; message: string }> }> {
  await sh(': > /tmp/events');
  const out = await vm.run(`dploy-restore --url ${URL} --token ${TOKEN} --disk ${targets.join(',')} --no-bootloader 2>&1; echo "@rc=$?"`, 600_000);
  const events = (await sh('cat /tmp/events'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { event: string; message: string });
  return { status: Number(/@rc=(\d+)/.exec(out)?.[1]), output: out.replace(/@rc=\d+\n?$/, ''), events };
}

/** Serves the image's plan (restorePlan) and archives in the VM and restores it onto `targets`. */
async function restore(manifest: ImageManifest, targets: string[]): ReturnType<typeof runRestore> {
  await put(`${FILES}/images/${TOKEN}/plan`, restorePlan(manifest));
  return runRestore(targets);
}

before(async () => {
  checkPrerequisites();
  work = mkdtempSync(join(tmpdir(), 'dploy-storage-e2e-'));
  const tftp = await cachedBootEnvironment();
  const disks = [...SOURCES, ...TARGETS].map((d, i) => {
    const file = join(work, `${d.slice(5)}.img`);
    writeFileSync(file, '');
    truncateSync(file, (i < SOURCES.length ? 512 : 640) * 2 ** 20);
    return ['-drive', `file=${file},format=raw,if=virtio`];
  });
  const serial = join(work, 'serial');
  qemu = spawn(
    'qemu-system-x86_64',
    [
      ...['-accel', 'tcg', '-m', '1536', '-smp', '2', '-display', 'none', '-monitor', 'none', '-nic', 'none', '-no-reboot'],
      ...['-kernel', join(tftp, 'dploy/amd64/vmlinuz'), '-initrd', join(tftp, 'dploy/amd64/initrd.img')],
      // No dploy.action and no network: discovery fails at once and /init leaves a shell on the console.
      ...['-append', 'console=ttyS0 panic=-1'],
      ...['-chardev', `socket,id=ser0,path=${serial}.sock,server=on,wait=off,logfile=${serial}.log`, '-serial', 'chardev:ser0'],
      ...disks.flat(),
    ],
    { stdio: 'ignore' },
  );
  vm = await SerialConsole.open(`${serial}.sock`);
  await vm.waitFor(/a shell for a person at the console/, 300_000);
  // Kernel messages (md's resync, mounts) would land in the middle of a command's output on the same port.
  await sh(`dmesg -n 1 && ip link set lo up && mkdir -p ${SRC} /tmp/www/cgi-bin ${FILES} && modprobe -a md_mod raid1 raid456 dm_mod`);
  await put('/tmp/www/cgi-bin/dploy', CGI);
  await sh('chmod 755 /tmp/www/cgi-bin/dploy && busybox httpd -p 127.0.0.1:8080 -h /tmp/www');
});

after(async () => {
  vm?.close();
  qemu?.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The facts of an md array (by its kernel name) and of the volume groups, for source and target alike. */
async function arrayFacts(md: string): Promise<string> {
  return sh(
    `mdadm --detail --export /dev/${md} | grep -E '^MD_(LEVEL|DEVICES|METADATA|UUID|NAME)=' | sort; ` +
      `cat /sys/block/${md}/md/chunk_size /sys/block/${md}/md/layout; for m in /sys/block/${md}/md/dev-*; do echo "slot $(cat $m/slot) offset $(cat $m/offset)"; done | sort; ` +
      `blockdev --getsize64 /dev/${md}`,
  );
}

async function lvmFacts(): Promise<string> {
  return sh(
    `lvm vgs --noheadings -o vg_name,vg_uuid,vg_extent_size,vg_extent_count --units b; lvm lvs --noheadings -o lv_name,lv_uuid,lv_size,seg_start_pe,devices --units b | sed 's,/dev/[a-z0-9]*,DEV,'`,
  );
}

async function filesystemFacts(devices: string[]): Promise<string> {
  return sh(devices.map((d) => `blkid -p -o export -s TYPE -s UUID -s LABEL ${d} | grep -v ^DEVNAME=`).join('; '));
}

describe('md RAID and LVM restored by dploy-restore in the boot environment', { timeout: 1_200_000 }, () => {
  test("Debian's RAID1 + LVM (root ext4, /srv xfs, swap): same array, volume group, volumes, filesystems and files on larger disks", async () => {
    const table =
      "printf 'label: gpt\\nsize=2048, type=21686148-6449-6E6F-744E-656564454649, name=bios\\ntype=A19D880F-05FC-4D3B-A006-743F0F84911E, name=raid\\n'";
    await sh(`for d in ${SOURCES.slice(0, 2).join(' ')}; do ${table} | sfdisk -q $d; done`);
    await sh('mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --name=web01:0 /dev/vda2 /dev/vdb2 </dev/null');
    await sh(
      'lvm pvcreate -q /dev/md0 && lvm vgcreate -q dploy-vg /dev/md0 && lvm lvcreate -q -L 96M -n root dploy-vg && lvm lvcreate -q -L 320M -n srv dploy-vg && lvm lvcreate -q -L 32M -n swap_1 dploy-vg',
    );
    const [root, srv, swap] = ['root', 'srv', 'swap_1'].map((lv) => `/dev/mapper/dploy--vg-${lv}`);
    await sh(`mkfs.ext4 -q -L dploy-root ${root} && mkfs.xfs -q -L srv ${srv} && mkswap -L swap ${swap} >/dev/null && swapon ${swap}`);
    await sh(`mount ${root} ${SRC} && mkdir -p ${SRC}/srv ${SRC}/etc && mount ${srv} ${SRC}/srv`);
    await sh(
      `head -c 3000000 /dev/urandom > ${SRC}/srv/data.bin && ln ${SRC}/srv/data.bin ${SRC}/srv/data-link.bin && echo restored > ${SRC}/etc/note && ` +
        `ln -s note ${SRC}/etc/note-link && ` +
        `printf 'UUID=%s / ext4 defaults 0 1\\n' $(blkid -s UUID -o value ${root}) > ${SRC}/etc/fstab && sync`,
    );
    const source = { array: await arrayFacts('md0'), lvm: await lvmFacts(), fs: await filesystemFacts([root!, srv!, swap!]), files: await sh(FILE_FACTS) };
    const manifest = await capture('raid1-lvm');
    mirrored = { manifest, ...source };
    assert.deepEqual(
      manifest.filesystems.map((f) => [f.mountpoint, f.fstype, f.lv]),
      [
        ['/', 'ext4', 'dploy-vg/root'],
        ['/srv', 'xfs', 'dploy-vg/srv'],
      ],
    );
    assert.deepEqual(
      manifest.swap.map((s) => s.lv),
      ['dploy-vg/swap_1'],
    );
    assert.deepEqual(
      manifest.disks.map((d) => d.device),
      ['/dev/vda', '/dev/vdb'],
    );
    assert.deepEqual(
      manifest.md?.map((a) => [a.device, a.level, a.metadata, a.name, a.members.map((x) => `${x.role}:${x.disk}:${x.partition}`)]),
      [['/dev/md0', 'raid1', '1.2', 'web01:0', ['0:/dev/vda:2', '1:/dev/vdb:2']]],
    );
    assert.deepEqual(
      manifest.volumeGroups?.map((vg) => [vg.name, vg.pvs.map((pv) => pv.md)]),
      [['dploy-vg', ['/dev/md0']]],
    );

    // The source goes away as a failed machine's would: the target must not lean on it.
    await sh(`swapoff ${swap} && umount ${SRC}/srv ${SRC} && lvm vgchange -q -a n dploy-vg && mdadm --stop /dev/md0`);
    const run = await restore(manifest, TARGETS.slice(0, 2));
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /dploy-restore: image raid1-lvm restored onto \/dev\/vdd \/dev\/vde/);
    assert.deepEqual(
      run.events.map((e) => e.event),
      ['started', 'installed'],
    );
    assert.match(run.events[0]!.message, /^restoring image raid1-lvm onto \/dev\/vdd \d+ bytes, \/dev\/vde \d+ bytes$/);
    // dploy-restore left the array stopped and the volume group inactive, clean for the reboot.
    assert.doesNotMatch(await sh('cat /proc/mdstat'), /^md\d+ : active/m);

    await sh('mdadm --assemble /dev/md0 /dev/vdd2 /dev/vde2 && lvm vgchange -q -a y dploy-vg');
    assert.equal(await arrayFacts('md0'), source.array);
    assert.equal(await lvmFacts(), source.lvm);
    assert.equal(await filesystemFacts([root!, srv!, swap!]), source.fs);
    await sh(`mount ${root} ${SRC} && mount ${srv} ${SRC}/srv`);
    assert.equal(await sh(FILE_FACTS), source.files);
    // Both halves hold the same partition table as the source's disks (label-id and partition UUIDs).
    assert.match(await sh('sfdisk --dump /dev/vdd | grep -c "type=A19D880F"'), /^1\n$/);
    await sh(`umount ${SRC}/srv ${SRC}`);
  });

  test('RAID5 (superblock 1.0, 64 KiB chunk) beside a plain /boot partition, restored onto disks still holding the last restore, active', async () => {
    // The targets' array and volume group from the last test, assembled and active: what a rescue system may leave.
    assert.match(await sh('cat /proc/mdstat; lvm lvs --noheadings -o lv_name dploy-vg'), /md0 : active[\s\S]*root/);
    const table = "printf 'label: dos\\nsize=64MiB, type=83\\ntype=fd\\n'";
    await sh(`for d in ${SOURCES.join(' ')}; do ${table} | sfdisk -q --wipe always --wipe-partitions always $d; done`);
    await sh('mdadm --create /dev/md1 --run --level=5 --raid-devices=3 --metadata=1.0 --chunk=64 --name=db01:data /dev/vda2 /dev/vdb2 /dev/vdc2 </dev/null');
    await sh(
      `mkfs.ext4 -q -L data /dev/md1 && mkfs.ext4 -q -L boot /dev/vda1 && mount /dev/md1 ${SRC} && mkdir -p ${SRC}/boot ${SRC}/etc && mount /dev/vda1 ${SRC}/boot`,
    );
    await sh(`head -c 2000000 /dev/urandom > ${SRC}/boot/vmlinuz && head -c 5000000 /dev/urandom > ${SRC}/etc/big && echo raid5 > ${SRC}/etc/note && sync`);
    const source = { array: await arrayFacts('md1'), fs: await filesystemFacts(['/dev/md1', '/dev/vda1']), files: await sh(FILE_FACTS) };
    const manifest = await capture('raid5-boot');
    striped = manifest;
    assert.deepEqual(
      manifest.filesystems.map((f) => [f.mountpoint, f.md ?? `${f.disk}:${f.partition}`]),
      [
        ['/', '/dev/md1'],
        ['/boot', '/dev/vda:1'],
      ],
    );
    assert.deepEqual(
      manifest.md?.map((a) => [a.level, a.metadata, a.chunkBytes, a.layout]),
      [['raid5', '1.0', 65536, 'left-symmetric']],
    );
    await sh(`umount ${SRC}/boot ${SRC} && mdadm --stop /dev/md1`);

    const run = await restore(manifest, TARGETS);
    assert.equal(run.status, 0, run.output);
    await sh('mdadm --assemble /dev/md1 /dev/vdd2 /dev/vde2 /dev/vdf2');
    assert.equal(await arrayFacts('md1'), source.array);
    assert.equal(await filesystemFacts(['/dev/md1', '/dev/vdd1']), source.fs);
    await sh(`mount /dev/md1 ${SRC} && mount /dev/vdd1 ${SRC}/boot`);
    assert.equal(await sh(FILE_FACTS), source.files);
    await sh(`umount ${SRC}/boot ${SRC} && mdadm --stop /dev/md1`);
  });

  test('a restore that fails after writing leaves nothing to assemble or mount: arrays stopped, signatures and tables wiped', async () => {
    // The last image again, its /boot archive now with another checksum than the manifest's: / is restored by then.
    const plan = await sh(`cat ${FILES}/images/${TOKEN}/plan`);
    await put(`${FILES}/images/${TOKEN}/plan`, plan.replace(/^(fs \S+ ext4 \S+ raid5-boot-2\.tar\.zst )[0-9a-f]{64}/m, `$1${'0'.repeat(64)}`));
    const run = await runRestore(TARGETS);
    assert.equal(run.status, 1, run.output);
    assert.deepEqual(
      run.events.map((e) => e.event),
      ['started', 'failed'],
    );
    assert.equal(
      run.events[1]!.message,
      "raid5-boot-2.tar.zst arrived with another SHA-256 than the image's manifest (disks /dev/vdd /dev/vde /dev/vdf wiped: restore them again)",
    );
    assert.doesNotMatch(await sh('cat /proc/mdstat'), /^md\d+ : active/m);
    for (const d of TARGETS) {
      assert.equal(await sh(`blkid -p ${d} ${d}1 ${d}2 2>/dev/null; true`), '', `${d}: no signature left`);
      assert.match(await sh(`mdadm --examine ${d}2 2>&1; true`), /No md superblock detected|cannot open/);
    }
  });

  test('the RAID1 + LVM image onto one disk, the other given as missing: a degraded array with the same volumes and files', async () => {
    assert.ok(mirrored, 'the first test captured the mirrored image');
    await put(`${FILES}/images/${TOKEN}/plan`, restorePlan(mirrored.manifest));
    const run = await runRestore([TARGETS[1]!, 'missing']);
    assert.equal(run.status, 0, run.output);
    assert.match(
      run.events[1]?.message ?? '',
      /^image raid1-lvm restored onto \/dev\/vde; image disk 2 given as missing: the arrays with members there are degraded/,
    );
    await sh('mdadm --assemble --run /dev/md0 /dev/vde2 && lvm vgchange -q -a y dploy-vg');
    assert.match(await sh('cat /proc/mdstat'), /md0 : active (\(auto-read-only\) )?raid1 vde2\[0\]\n.*\[2\/1\] \[U_\]/);
    assert.equal(await lvmFacts(), mirrored.lvm);
    const [root, srv, swap] = ['root', 'srv', 'swap_1'].map((lv) => `/dev/mapper/dploy--vg-${lv}`);
    assert.equal(await filesystemFacts([root!, srv!, swap!]), mirrored.fs);
    await sh(`mount ${root} ${SRC} && mount ${srv} ${SRC}/srv`);
    assert.equal(await sh(FILE_FACTS), mirrored.files);
    await sh(`umount ${SRC}/srv ${SRC}`);
    await sh('lvm vgchange -q -a n dploy-vg && mdadm --stop /dev/md0');
    // The RAID5 image's first disk also holds /boot: it cannot be left out, and nothing is written.
    assert.ok(striped, 'the second test captured the RAID5 image');
    await put(`${FILES}/images/${TOKEN}/plan`, restorePlan(striped));
    const refused = await runRestore(['missing', TARGETS[1]!, TARGETS[2]!]);
    assert.equal(refused.status, 1, refused.output);
    assert.deepEqual(
      refused.events.map((e) => [e.event, e.message]),
      [
        [
          'failed',
          'dploy.disk= gives image disk 1 as missing, but it holds more than md array members (a filesystem, swap or LVM PV): only a RAID member can be left out (nothing was written to /dev/vde /dev/vdf)',
        ],
      ],
    );
    assert.match(await sh('mdadm --examine /dev/vde2 2>&1; true'), /Array UUID/, 'the degraded restore on /dev/vde is untouched');
  });
});

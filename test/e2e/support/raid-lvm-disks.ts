// The RAID1 + LVM source machine of the restore e2e test: two raw disk images
// made by raid-lvm-disks.sh (md RAID1 of both disks' partition 2, LVM on it),
// built once and cached under DPLOY_TEST_RAID_LVM_CACHE (default
// /var/cache/dploy-test/raid-lvm-disks) in a directory named by a SHA-256 over
// debian-disk.sh and raid-lvm-disks.sh. This host's kernel has neither md nor
// device-mapper, so the pair is built inside a VM: debian-disk.sh's image boots
// (snapshot=on) with the two blank images attached, and the script, run there
// over SSH, copies that running system onto them. The test boots the pair with
// snapshot=on: the cached images are never written.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianDisk } from './debian-disk.js';
import { bootFromDisk } from './qemu-machine.js';
import { freePort, ssh, sshWhenUp } from './vm-ssh.js';

const SCRIPT = new URL('./raid-lvm-disks.sh', import.meta.url).pathname;
const DEBIAN_RECIPE = new URL('./debian-disk.sh', import.meta.url).pathname;
const CACHE = process.env.DPLOY_TEST_RAID_LVM_CACHE ?? '/var/cache/dploy-test/raid-lvm-disks';
/** Each disk's size: debian-disk's root (~600 MiB used) fits the 900 MiB root LV, 300 MiB go to srv, some stay free. */
const DISK_MIB = 1400;
const FACTS = 'facts';

export interface RaidLvmDisks {
  /** Raw disk images, vda and vdb of the machine: GPT, BIOS boot partition 1, Linux RAID partition 2 (md0's members). */
  disks: [string, string];
  /** The private key root's authorized_keys admits (debian-disk's, copied when the pair was built). */
  privateKey: string;
  /** md0's array UUID as mdadm prints it (`mdadm --detail --export`: MD_UUID, colon-separated). */
  mdUuid: string;
  /** md0's name, `<homehost>:0`. */
  mdName: string;
  vgName: 'dploy-vg';
  vgUuid: string;
  pvUuid: string;
  rootLvUuid: string;
  srvLvUuid: string;
  /** The ext4 filesystems' UUIDs: / (label dploy-root) on LV root, /srv (label dploy-srv) on LV srv. */
  rootUuid: string;
  srvUuid: string;
  /** Extents of the VG no LV holds. */
  vgFreeExtents: number;
  /** Seconds the build took (the VM's boot included); 0 when it came from the cache. */
  builtInS: number;
}

export async function raidLvmDisks(): Promise<RaidLvmDisks> {
  const hash = createHash('sha256');
  for (const file of [DEBIAN_RECIPE, SCRIPT]) hash.update(readFileSync(file));
  const key = hash.digest('hex').slice(0, 16);
  const dir = join(CACHE, key);
  let builtInS = 0;
  if (!existsSync(join(dir, FACTS))) {
    const partial = join(CACHE, `.partial-${key}`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const source = debianDisk();
    const started = Date.now();
    writeFileSync(join(partial, FACTS), await build(source.disk, source.privateKey, partial));
    // The pair's own copy: the key its authorized_keys admits, even once debian-disk's cache is rebuilt (a new key).
    copyFileSync(source.privateKey, join(partial, 'id_ed25519'));
    rmSync(join(partial, 'serial-source-bios.log'), { force: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    builtInS = Math.round((Date.now() - started) / 1000);
  }
  const facts = new Map(
    readFileSync(join(dir, FACTS), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const fact = (name: string): string => {
    const value = facts.get(name);
    if (!value) throw new Error(`${join(dir, FACTS)} has no ${name}`);
    return value;
  };
  return {
    disks: [join(dir, 'disk-a.img'), join(dir, 'disk-b.img')],
    privateKey: join(dir, 'id_ed25519'),
    mdUuid: fact('MD_UUID'),
    mdName: fact('MD_NAME'),
    vgName: 'dploy-vg',
    vgUuid: fact('VG_UUID'),
    pvUuid: fact('PV_UUID'),
    rootLvUuid: fact('ROOT_LV_UUID'),
    srvLvUuid: fact('SRV_LV_UUID'),
    rootUuid: fact('ROOT_UUID'),
    srvUuid: fact('SRV_UUID'),
    vgFreeExtents: Number(fact('VG_FREE_EXTENTS')),
    builtInS,
  };
}

/** Boots debian-disk's image with the two blank disks attached, runs the script there, and returns its facts. */
async function build(sourceDisk: string, privateKey: string, dir: string): Promise<string> {
  const pair = ['disk-a.img', 'disk-b.img'].map((name) => join(dir, name));
  for (const disk of pair) {
    writeFileSync(disk, '');
    truncateSync(disk, DISK_MIB << 20);
  }
  const port = await freePort();
  const vm = bootFromDisk(sourceDisk, dir, port, 'bios', pair);
  try {
    await sshWhenUp(port, privateKey, 'true', 300_000, vm.serialLog);
    // vda is the running system, vdb and vdc the blank pair, in bootFromDisk's order.
    const facts = await ssh(port, privateKey, 'sh -s -- /dev/vdb /dev/vdc', { input: readFileSync(SCRIPT, 'utf8'), timeoutMs: 1_200_000 });
    if (!/^MD_UUID=\S+$/m.test(facts) || !/^ROOT_UUID=\S+$/m.test(facts)) throw new Error(`${SCRIPT} printed no facts: ${facts}`);
    // md0 is stopped and nothing is mounted: the pair is clean whichever way the VM ends; poweroff ends it tidily.
    await ssh(port, privateKey, 'systemctl poweroff --no-block').catch(() => undefined);
    await vm.exited(120_000);
    return facts;
  } catch (err) {
    throw new Error(`building the RAID1 + LVM source disks (${SCRIPT}) failed: ${String(err)}`);
  } finally {
    await vm.stop();
  }
}

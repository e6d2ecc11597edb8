// Images end to end on real parts: an `image` task captures a machine over a
// real sshd (its disk a loop device with a GPT, an ext4 root holding the
// byte-faithfulness tree and an ext2 /boot mounted below it; this kernel has
// no vfat, so the ESP path of the restore is not exercised here), and a `restore`
// task's machine runs the real agent-scripts/dploy-restore against dploy's
// own routes, onto a blank loop disk: refused when smaller, byte-faithful
// when larger. Root is needed (loop devices, mount, mknod, sshd).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { JobKinds } from '../../../plugin/jobs/kinds/index.js';
import { setTask } from '../../../plugin/jobs/set-task.js';
import { endJob } from '../../../plugin/jobs/job-step.js';
import type { JobTokens } from '../../../plugin/jobs/job-token.js';
import type { Platform } from '../../../plugin/platforms/index.js';
import { deleteImage, listImages, recordImage } from '../../../plugin/store/images.js';
import type { Store } from '../../../plugin/store/database.js';
import { readManifest, verifyImage } from '../../../plugin/images/image-store.js';
import { restoreImageProvider } from '../../../plugin/images/restore-boot.js';
import { getHost } from '../../../plugin/store/hosts.js';
import { jobEvents } from '../../../plugin/store/jobs.js';
import type { Job } from '../../../plugin/model/job.js';
import { runDploy } from '../../support/cli.js';
import { blkid, loopDisk, mount, unmountBelow, type LoopDisk } from '../../support/disk-image.js';
import { describeTree } from '../../support/file-tree.js';
import { fakeMachine, SERVER_NICS } from '../../support/fake-sysfs.js';
import { startImageLab, type ImageLab } from '../../support/image-lab.js';

const RESTORE = join(import.meta.dirname, '../../../agent-scripts/dploy-restore');
const BOOT_ENV = { kernel: 'dploy/vmlinuz', initrd: 'dploy/initrd.img', args: 'quiet' };

let lab: ImageLab;
let dir: string;
let src: string;
let storeDir: string;
let source: LoopDisk;
let tokens: JobTokens;
let kinds: JobKinds;
let store: Store;
let platform: Platform;
let url: string;
let hostId: number;
const targets: LoopDisk[] = [];
const settle = (kind: string) => lab.settle(kind);

/**
 * The source's network configuration naming its NICs by MAC (the NIC test's source MACs: eth0 52:54:00:ab:cd:01,
 * eth1 …:02; 52:54:00:ab:cd:99 is no NIC of the source's), and what a restore onto other hardware leaves of it.
 */
const NETWORK_CONFIG: { path: string; source: string; restored?: string }[] = [
  {
    path: 'etc/netplan/50-cloud-init.yaml',
    source:
      'network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: 52:54:00:ab:cd:01\n      set-name: eth0\n' +
      "    eth1:\n      match: {macaddress: '52:54:00:ab:cd:02'}\n    storage:\n      match:\n        macaddress: 52:54:00:ab:cd:99\n",
    restored:
      'network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: b4:96:91:aa:bb:cc\n      set-name: eth0\n' +
      "    eth1:\n      match: {macaddress: '3c:ec:ef:00:00:01'}\n    storage:\n      match:\n        macaddress: 52:54:00:ab:cd:99\n",
  },
  {
    path: 'etc/sysconfig/network-scripts/ifcfg-eth0',
    source: 'DEVICE=eth0\nHWADDR="52:54:00:AB:CD:01"\nONBOOT=yes\n',
    restored: 'DEVICE=eth0\nHWADDR="B4:96:91:AA:BB:CC"\nONBOOT=yes\n',
  },
  {
    path: 'etc/sysconfig/network-scripts/ifcfg-eth1',
    source: 'DEVICE=eth1\n# HWADDR=52:54:00:ab:cd:02 (a comment stays)\nHWADDR=52:54:00:ab:cd:02\n',
    restored: 'DEVICE=eth1\n# HWADDR=52:54:00:ab:cd:02 (a comment stays)\nHWADDR=3c:ec:ef:00:00:01\n',
  },
  { path: 'etc/sysconfig/network-scripts/ifcfg-eth9', source: "DEVICE=eth9\nHWADDR='52:54:00:ab:cd:99'\n" },
  {
    path: 'etc/sysconfig/network/ifcfg-eth1',
    source: "BOOTPROTO='dhcp'\nLLADDR='52:54:00:ab:cd:02'\n",
    restored: "BOOTPROTO='dhcp'\nLLADDR='3c:ec:ef:00:00:01'\n",
  },
  {
    path: 'etc/NetworkManager/system-connections/eth0.nmconnection',
    source: '[connection]\nid=eth0\ntype=ethernet\n\n[ethernet]\nmac-address=52:54:00:AB:CD:01\n',
    restored: '[connection]\nid=eth0\ntype=ethernet\n\n[ethernet]\nmac-address=B4:96:91:AA:BB:CC\n',
  },
  {
    path: 'etc/systemd/network/20-wired.network',
    source: '[Match]\nMACAddress=52:54:00:ab:cd:01 52:54:00:ab:cd:99\n\n[Network]\nDHCP=yes\n',
    restored: '[Match]\nMACAddress=b4:96:91:aa:bb:cc 52:54:00:ab:cd:99\n\n[Network]\nDHCP=yes\n',
  },
  { path: 'etc/systemd/network/30-storage.network', source: '[Match]\nMACAddress=52:54:00:ab:cd:99\n\n[Network]\nAddress=192.0.2.7/24\n' },
];

before(async () => {
  lab = await startImageLab();
  ({ dir, src, storeDir, source, tokens, kinds, store, platform, url, hostId } = lab);
  for (const f of NETWORK_CONFIG) {
    mkdirSync(dirname(join(src, f.path)), { recursive: true });
    writeFileSync(join(src, f.path), f.source);
  }
  // NetworkManager ignores a keyfile others can read: a restore must keep it 0600.
  chmodSync(join(src, 'etc/NetworkManager/system-connections/eth0.nmconnection'), 0o600);
});

after(async () => {
  unmountBelow(join(dir, 'restored'));
  for (const t of targets) t.detach();
  await lab?.stop();
});

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Asynchronously: dploy's routes answer the script from this same process. */
async function runRestore(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', [RESTORE, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function restoreOnto(
  mib: number,
  image = 'web01-golden',
  env: Record<string, string> = {},
): Promise<{ job: Job; target: LoopDisk; run: Ran; entryAfterRun: unknown }> {
  const target = loopDisk(join(dir, `target-${image}-${mib}.img`), mib);
  targets.push(target);
  await setTask(store.db, platform, kinds, { hostIds: [hostId], task: 'restore', image, force: false, actor: 'test' });
  const booting = await settle('restore');
  assert.equal(booting.state, 'booting', booting.message);
  // What the machine's PXE entry boots: the boot environment, told where dploy is and which job it runs.
  const provider = restoreImageProvider(store.db, { bootEnvironment: () => BOOT_ENV, httpBaseUrl: () => url, tokenFor: (j) => tokens.tokenFor(j) });
  const ask = async () =>
    provider({ kind: 'restore', image }, { loader: 'pxelinux', host: await getHost(store.db.manager, hostId), clientAddress: '127.0.0.1' });
  const entry = await ask();
  assert.deepEqual(entry, {
    kernel: 'dploy/vmlinuz',
    initrds: ['dploy/initrd.img'],
    args: ['quiet', `dploy.url=${url}`, `dploy.job=${tokens.tokenFor(booting)}`, 'dploy.action=restore'],
  });
  const run = await runRestore(
    ['--url', url, '--token', tokens.tokenFor(booting), '--disk', target.device, '--root', join(dir, 'restored'), '--no-bootloader'],
    env,
  );
  // The machine reboots as soon as the script ends, before the runner's next tick: what would it boot?
  const entryAfterRun = await ask().catch((err: Error) => err.message);
  return { job: await settle('restore'), target, run, entryAfterRun };
}

describe('images: capture over SSH, restore from dploy', () => {
  test('an image task captures the machine over SSH: layout, UUIDs, labels and checksummed archives land in the store', async () => {
    await setTask(store.db, platform, kinds, { hostIds: [hostId], task: 'image', image: 'web01-golden', force: false, actor: 'test' });
    const job = await settle('image');
    assert.equal(job.state, 'done', job.message);
    assert.match(job.message ?? '', /^image web01-golden: .*\/src, .*\/src\/boot \(\d+ bytes compressed, (bios|uefi), job \d+\)$/);

    const m = await readManifest(join(storeDir, 'web01-golden'));
    assert.equal(m.disks.length, 1);
    assert.equal(m.disks[0]!.device, source.device);
    assert.equal(m.disks[0]!.label, 'gpt');
    assert.deepEqual(
      m.disks[0]!.partitions.map((p) => [p.number, p.startSector, p.sizeSectors]),
      [
        [1, 2048, 40 * 2048],
        [2, 2048 + 40 * 2048, 16 * 2048],
      ],
    );
    const [root, boot] = m.filesystems;
    for (const [fs, n] of [
      [root!, 1],
      [boot!, 2],
    ] as const) {
      const id = blkid(source.partition(n));
      assert.equal(fs.uuid, id.UUID);
      assert.equal(fs.label, id.LABEL);
      assert.equal(fs.partition, n);
      assert.equal(
        fs.archive.sha256,
        createHash('sha256')
          .update(readFileSync(join(storeDir, 'web01-golden', fs.archive.file)))
          .digest('hex'),
      );
    }
    // This machine's physical NICs, as the source's: the default route's first.
    const here = readdirSync('/sys/class/net')
      .filter((n) => existsSync(`/sys/class/net/${n}/device`))
      .map((name) => ({ name, mac: readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim() }));
    const primary = /\bdev (\S+)/.exec(execFileSync('ip', ['-o', 'route', 'show', 'default'], { encoding: 'utf8' }))?.[1];
    here.sort((a, b) => Number(b.name === primary) - Number(a.name === primary) || a.name.localeCompare(b.name));
    assert.deepEqual(m.nics, here.length > 0 ? here : undefined);
    assert.equal(root!.fstype, 'ext4');
    assert.equal(boot!.fstype, 'ext2');
    assert.deepEqual(await verifyImage(join(storeDir, 'web01-golden')), [
      { file: root!.archive.file, ok: true },
      { file: boot!.archive.file, ok: true },
    ]);
    const [row] = await listImages(store.db.manager);
    assert.equal(row?.name, 'web01-golden');
    assert.equal(row?.sizeBytes, root!.archive.bytes + boot!.archive.bytes);
  });

  test('an image task naming an image that exists fails at once, saying how to go on', async () => {
    await setTask(store.db, platform, kinds, { hostIds: [hostId], task: 'image', image: 'web01-golden', force: false, actor: 'test' });
    const job = await settle('image');
    assert.equal(job.state, 'failed');
    assert.equal(job.message, 'image web01-golden already exists: choose another name or dploy images remove web01-golden');
  });

  test('verify names the archive whose bytes changed in the store', async () => {
    const copy = join(dir, 'tampered');
    cpSync(join(storeDir, 'web01-golden'), copy, { recursive: true });
    const m = await readManifest(copy);
    const fd = openSync(join(copy, m.filesystems[0]!.archive.file), 'r+');
    writeSync(fd, Buffer.from([0x42]), 0, 1, 100);
    closeSync(fd);
    const [first, second] = await verifyImage(copy);
    assert.equal(first?.ok, false);
    assert.match(first?.problem ?? '', /^sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}$/);
    assert.equal(second?.ok, true);
  });

  test('a restore onto a smaller disk is refused before anything is written, with the numbers', async () => {
    const { job, target, run } = await restoreOnto(48);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(job.state, 'failed');
    assert.match(
      job.message ?? '',
      new RegExp(`${target.device} has 50331648 bytes; image web01-golden needs at least \\d+ \\(its source disk had 67108864\\) \\(nothing was written`),
    );
    assert.ok(
      readFileSync(target.file).every((b) => b === 0),
      'the smaller disk was written to',
    );
  });

  test('a restore onto a larger disk gives back the same files, partition table, UUIDs and labels, and the job is done', async () => {
    const { job, target, run, entryAfterRun } = await restoreOnto(96);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(entryAfterRun, undefined, 'once the restore reported installed, its entry boots the disk (no image), not the restore again');
    assert.equal(job.state, 'done', job.message);
    execFileSync('partx', ['-u', target.device]);
    for (const n of [1, 2]) {
      const [was, now] = [blkid(source.partition(n)), blkid(target.partition(n))];
      for (const field of ['TYPE', 'UUID', 'LABEL', 'PART_ENTRY_UUID', 'PART_ENTRY_NAME', 'PART_ENTRY_TYPE', 'PART_ENTRY_OFFSET', 'PART_ENTRY_SIZE'])
        assert.equal(now[field], was[field], `partition ${n} ${field}`);
    }
    const restored = join(dir, 'restored');
    mount(target.partition(1), restored);
    mount(target.partition(2), `${restored}/boot`);
    assert.equal(describeTree(restored), describeTree(src));
    assert.equal(describeTree(`${restored}/boot`), describeTree(`${src}/boot`));
  });

  test('a restore whose archive stops half-way wipes the disk and fails; it is never reported done', async () => {
    // The root archive cut at half its length: what a machine sees when the network drops mid-stream.
    const damaged = join(storeDir, 'web01-cut');
    cpSync(join(storeDir, 'web01-golden'), damaged, { recursive: true });
    const m = await readManifest(damaged);
    truncateSync(join(damaged, m.filesystems[0]!.archive.file), Math.floor(m.filesystems[0]!.archive.bytes / 2));
    await recordImage(store.db.manager, { name: 'web01-cut', kind: 'tar-zstd', location: damaged, hostId, createdAt: new Date() });
    const { job, target, run } = await restoreOnto(96, 'web01-cut');
    assert.equal(run.status, 1, run.stderr);
    assert.equal(job.state, 'failed');
    assert.match(
      job.message ?? '',
      new RegExp(`^${m.filesystems[0]!.archive.file} is not a complete zstd stream \\(disk ${target.device} wiped: restore it again\\)$`),
    );
    // blkid's status 2: nothing it knows on the disk, no partition table, no filesystem.
    assert.equal(spawnSync('blkid', ['-p', target.device]).status, 2, 'the partition table survived');
    await deleteImage(store.db.manager, 'web01-cut');
  });

  test("a restore onto other hardware pins the source's NIC names on this machine's NICs by MAC: same MAC kept, the rest by order, the boot NIC first", async () => {
    // The image as a real machine's: its root at /, /boot below it, three NICs; the target has one of them (eth2's card).
    const moved = join(storeDir, 'web01-moved');
    cpSync(join(storeDir, 'web01-golden'), moved, { recursive: true });
    const m = await readManifest(moved);
    m.filesystems[0]!.mountpoint = '/';
    m.filesystems[1]!.mountpoint = '/boot';
    m.nics = [
      { name: 'eth0', mac: '52:54:00:ab:cd:01' },
      { name: 'eth1', mac: '52:54:00:ab:cd:02' },
      { name: 'eth2', mac: '3c:ec:ef:00:00:02' },
    ];
    writeFileSync(join(moved, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
    await recordImage(store.db.manager, { name: 'web01-moved', kind: 'tar-zstd', location: moved, hostId, createdAt: new Date() });
    const machine = fakeMachine(SERVER_NICS, 'quiet BOOTIF=01-b4-96-91-aa-bb-cc');
    const { job, target, run } = await restoreOnto(96, 'web01-moved', machine.env);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(job.state, 'done', job.message);
    const pins =
      "NIC names pinned: eth2 = 3c:ec:ef:00:00:02 (same NIC), eth0 = b4:96:91:aa:bb:cc (boot NIC) (source's 52:54:00:ab:cd:01: other hardware), " +
      "eth1 = 3c:ec:ef:00:00:01 (source's 52:54:00:ab:cd:02: other hardware); MAC references rewritten: 50-cloud-init.yaml, " +
      'ifcfg-eth0, ifcfg-eth1, ifcfg-eth1, eth0.nmconnection, 20-wired.network';
    // The job's history keeps what was mapped: the agent's `installed` event.
    const installed = (await jobEvents(store.db.manager, job.id)).find((e) => e.toState === 'finishing');
    assert.equal(installed?.message, `installed: image web01-golden restored onto ${target.device}; ${pins}`);
    assert.match(run.stdout, new RegExp(`^dploy-restore: ${pins.replace(/[()]/g, '\\$&')}$`, 'm'));
    execFileSync('partx', ['-u', target.device]);
    const restored = join(dir, 'restored');
    mount(target.partition(1), restored);
    try {
      const network = join(restored, 'etc/systemd/network');
      assert.deepEqual(readdirSync(network).sort(), [
        '10-dploy-eth0.link',
        '10-dploy-eth1.link',
        '10-dploy-eth2.link',
        '20-wired.network',
        '30-storage.network',
      ]);
      const link = (name: string) => readFileSync(join(network, `10-dploy-${name}.link`), 'utf8').replace(/^#.*\n/, '');
      assert.equal(link('eth0'), '[Match]\nMACAddress=b4:96:91:aa:bb:cc\nType=ether\n\n[Link]\nName=eth0\n');
      assert.equal(link('eth1'), '[Match]\nMACAddress=3c:ec:ef:00:00:01\nType=ether\n\n[Link]\nName=eth1\n');
      assert.equal(link('eth2'), '[Match]\nMACAddress=3c:ec:ef:00:00:02\nType=ether\n\n[Link]\nName=eth2\n');
      assert.equal(existsSync(join(restored, 'etc/udev/rules.d/70-persistent-net.rules')), false, 'no udev rules file where the source had none');
      // The source's MACs in its network configuration are this machine's now; a MAC that was no NIC of the source's stays.
      for (const f of NETWORK_CONFIG) assert.equal(readFileSync(join(restored, f.path), 'utf8'), f.restored ?? f.source, f.path);
      assert.equal(statSync(join(restored, 'etc/NetworkManager/system-connections/eth0.nmconnection')).mode & 0o777, 0o600);
    } finally {
      unmountBelow(restored);
    }
    await deleteImage(store.db.manager, 'web01-moved');
  });

  test("an image's files answer only its restore job's token, and only the archives its manifest lists", async () => {
    await setTask(store.db, platform, kinds, { hostIds: [hostId], task: 'restore', image: 'web01-golden', force: false, actor: 'test' });
    const job = await settle('restore');
    const token = tokens.tokenFor(job);
    const m = await readManifest(join(storeDir, 'web01-golden'));
    const get = async (path: string) => {
      const r = await fetch(`${url}${path}`);
      return `${r.status} ${r.status === 200 ? r.headers.get('content-length') : await r.text()}`;
    };
    const bare404 = (await get(`/images/${token}/manifest.json`)).replace(/^404 /, '');
    assert.match(bare404, /no image here/);
    assert.equal(await get(`/images/${token}/${m.filesystems[1]!.archive.file}`), `200 ${m.filesystems[1]!.archive.bytes}`);
    for (const path of [
      `/images/${token}/manifest.json`,
      `/images/${token}/..%2Fweb01-golden%2Fmanifest.json`,
      `/images/${job.id}-forged/plan`,
      `/images/${token.slice(0, -1)}x/plan`,
    ])
      assert.equal(await get(path), `404 ${bare404}`, path);
    await endJob(store.db, kinds.get('restore')!, job, 'cancelled', 'cancelled by the test', 'test');
    assert.equal(await get(`/images/${token}/plan`), `404 ${bare404}`, 'a cancelled job still opens the image');
  });

  test('dploy images lists, shows and verifies the image, and remove deletes its row and its directory', async () => {
    const cli = (...args: string[]) =>
      runDploy(['images', ...args], { cwd: dir, env: { DPLOY_DATABASE_URL: lab.databaseUrl, DPLOY_IMAGES_STORE_DIR: storeDir } });
    const m = await readManifest(join(storeDir, 'web01-golden'));
    const [list, show, verify] = await Promise.all([cli('list'), cli('show', 'web01-golden'), cli('verify', 'web01-golden')]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      new RegExp(
        `^NAME +KIND +HOST +BYTES +CREATED +LOCATION\nweb01-golden +tar-zstd +${hostId} +${m.filesystems[0]!.archive.bytes + m.filesystems[1]!.archive.bytes} `,
      ),
    );
    assert.equal(show.code, 0, show.stderr);
    for (const fs of m.filesystems) assert.match(show.stdout, new RegExp(`\n${fs.mountpoint} +${fs.device} +${fs.fstype} +${fs.uuid} +${fs.label} `));
    assert.equal(verify.code, 0, verify.stderr);
    const files = m.filesystems.map((f) => f.archive.file);
    const width = Math.max(7, ...files.map((f) => f.length));
    assert.equal(verify.stdout, [`${'ARCHIVE'.padEnd(width)}  RESULT`, ...files.map((f) => `${f.padEnd(width)}  ok`)].join('\n') + '\n');
    const removed = await cli('remove', 'web01-golden');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, `removed image web01-golden (${join(storeDir, 'web01-golden')})\n`);
    assert.deepEqual(await listImages(store.db.manager), []);
    assert.equal(existsSync(join(storeDir, 'web01-golden')), false);
  });
});

// The boot NIC, end to end through `dploy serve`: machines whose firmware
// boots from a NIC other than the first one lshw lists (nic-machines.ts)
// are discovered with a BOOTIF naming NIC 1, get an install job, and boot
// from NIC 2 (BIOS, pxelinux over TFTP), NIC 3 (UEFI, GRUB over TFTP; iPXE
// over HTTP) or NIC 2 (ia64, elilo, RHEL 5). For every answer format, the
// boot entry served, the answer file and the post-install script the job
// then serves all name the NIC the entry was fetched for. Before the boot,
// `dploy render … answer` says it is a preview on the NIC seen at discovery.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runDploy } from '../../support/cli.js';
import { freePort, startServe, type ServeProcess } from '../../support/serve.js';
import { sharedSkip } from '../../unit/inventory/lshw-documents.js';
import { dellMachine, ia64Machine, threeNicMachine, type NicMachine } from './nic-machines.js';

type Kind = 'preseed' | 'kickstart' | 'autoyast' | 'autoinstall';
interface Boot {
  how: string;
  nic: number;
  fetch(mac: string): Promise<string | undefined>;
}
interface Case {
  kind: Kind;
  distro: string;
  release: string;
  arch: string;
  legacy?: boolean;
  boot: Boot;
  machine: NicMachine;
}

const HASH = '$6$8ZUWv9hHRpZwh0qF$H86d/d7jHknXcnKzTWK.dmd9/UXV4j3JeXHBHw1zfzACFSF4rUZVq4pq5Ad4fyP0FJCGdqMx/33ITrJRI9NoV1';
const dashed = (mac: string) => mac.replace(/:/g, '-');
let serve: ServeProcess;
let cwd: string;
let tftpPort: number;
let enrollment: string;
const hostIds = new Map<Case, number>();
const booted = new Map<Case, string>();
const profileOf = (c: Case) => `${c.distro}-${c.release}-${c.arch}`;

function tftpGet(path: string): Promise<string | undefined> {
  const out = join(cwd, 'fetched');
  rmSync(out, { force: true });
  const run = spawnSync('tftp', ['127.0.0.1', String(tftpPort), '-m', 'octet', '-c', 'get', path, out], { encoding: 'utf8', timeout: 20_000 });
  // tftp-hpa exits 0 even on an ERROR packet; the message and the missing file tell.
  const failed = /Error code|Transfer timed out/.test(run.stdout + run.stderr) || !existsSync(out);
  return Promise.resolve(failed ? undefined : readFileSync(out, 'utf8'));
}

/** atftp for names with colons: tftp-hpa reads `get a:b` as host a, file b. */
function atftpGet(path: string): Promise<string | undefined> {
  const out = join(cwd, 'fetched');
  rmSync(out, { force: true });
  const run = spawnSync('atftp', ['--get', '-r', path, '-l', out, '127.0.0.1', String(tftpPort)], { encoding: 'utf8', timeout: 20_000 });
  return Promise.resolve(run.status === 0 && existsSync(out) ? readFileSync(out, 'utf8') : undefined);
}

const BIOS: Boot = { how: 'BIOS: pxelinux asks pxelinux.cfg/01-<NIC 2> over TFTP', nic: 2, fetch: (mac) => tftpGet(`pxelinux.cfg/01-${dashed(mac)}`) };
const UEFI: Boot = { how: 'UEFI: GRUB asks /grub/grub.cfg-01-<NIC 3> over TFTP', nic: 3, fetch: (mac) => tftpGet(`/grub/grub.cfg-01-${dashed(mac)}`) };
const IPXE: Boot = {
  how: 'UEFI iPXE: GET /boot/ipxe?mac=<NIC 3>',
  nic: 3,
  fetch: async (mac) => {
    const r = await fetch(`${serve.url}/boot/ipxe?mac=${mac}&arch=x86_64&platform=efi`);
    return r.ok ? r.text() : undefined;
  },
};
const ELILO: Boot = { how: 'ia64: elilo asks <NIC 2>.conf over TFTP', nic: 2, fetch: (mac) => atftpGet(`${mac.toUpperCase()}.conf`) };

const FORMATS = [
  { kind: 'preseed', distro: 'debian', release: '12' },
  { kind: 'kickstart', distro: 'rocky', release: '9' },
  { kind: 'autoyast', distro: 'opensuse-leap', release: '15.6' },
  { kind: 'autoinstall', distro: 'ubuntu', release: '24.04' },
] as const;
let copies = 0;
// The qemu machine always; the shared real servers add a Dell and the ia64 machine when present.
const CASES: Case[] = [
  ...FORMATS.flatMap((f) => [BIOS, UEFI].map((boot) => ({ ...f, arch: 'x86_64', boot, machine: threeNicMachine(copies++) }))),
  { kind: 'preseed', distro: 'debian', release: '12', arch: 'x86_64', boot: IPXE, machine: threeNicMachine(copies++) },
  ...(sharedSkip
    ? []
    : ([
        { kind: 'kickstart', distro: 'rocky', release: '9', arch: 'x86_64', boot: UEFI, machine: dellMachine(copies++) },
        { kind: 'kickstart', distro: 'rhel', release: '5', arch: 'ia64', legacy: true, boot: ELILO, machine: ia64Machine(copies++) },
      ] as Case[])),
];
if (sharedSkip) test('the boot NIC cases on the shared real servers (a Dell C6105, an ia64 HP rx1620)', { skip: sharedSkip }, () => {});

before(async () => {
  for (const tool of ['tftp', 'atftp']) assert.equal(spawnSync('which', [tool]).status, 0, `${tool} is missing: apt-get install -y tftp-hpa atftp`);
  cwd = mkdtempSync(join(tmpdir(), 'dploy-boot-nic-'));
  mkdirSync(join(cwd, 'var', 'tftp'), { recursive: true });
  tftpPort = await freePort();
  serve = await startServe({
    cwd,
    env: { DPLOY_TFTP_ENABLED: 'true', DPLOY_TFTP_ADDRESS: '127.0.0.1', DPLOY_TFTP_PORT: String(tftpPort), DPLOY_RUNNER_ENABLED: 'false' },
  });
  enrollment = (await dploy('token', 'enrollment')).trim();
  // Every machine discovered, every profile added, every task set, then one runner tick opens all jobs.
  for (const c of CASES) hostIds.set(c, await discover(c.machine, c.machine.nics[0]!));
  for (const c of new Map(CASES.map((c) => [profileOf(c), c])).values()) {
    const file = join(cwd, `${profileOf(c)}.json`);
    // RHEL has no public tree: its profile names the site's mirror.
    const mirror = c.distro === 'rhel' ? { mirror: { host: 'mirror.example.net', directory: '/rhel5' } } : {};
    writeFileSync(
      file,
      JSON.stringify({ name: profileOf(c), distro: c.distro, release: c.release, arch: c.arch, rootPasswordHash: HASH, domain: 'example.net', ...mirror }),
    );
    await dploy('profiles', 'add', file);
  }
  for (const c of CASES) await dploy('task', 'set', String(hostIds.get(c)), 'install', '--profile', profileOf(c));
  await dploy('runner', '--once');
});
after(() => serve?.stop());

async function dploy(...args: string[]): Promise<string> {
  const run = await runDploy(args, { cwd });
  assert.equal(run.code, 0, `dploy ${args.join(' ')}:\n${run.stderr}`);
  return run.stdout;
}

/** The agent's post, BOOTIF and all: returns the new host's id. */
async function discover(machine: NicMachine, bootif: string): Promise<number> {
  const response = await fetch(`${serve.url}/agent/v1/inventory`, {
    method: 'POST',
    body: machine.xml,
    headers: { 'content-type': 'application/xml', 'x-dploy-token': enrollment, 'x-dploy-bootif': `01-${dashed(bootif)}` },
  });
  const body = (await response.json()) as { host_id: number; created: boolean };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.created, true);
  return body.host_id;
}

/** How the served entry brings up the boot NIC: returns the NIC name it pins, when the installer takes one. */
function entryNames(c: Case, entry: string, boot: string, others: string[]): string | undefined {
  if (c.boot === BIOS) assert.match(entry, /^\s*IPAPPEND 2$/m, 'pxelinux adds BOOTIF of the NIC that fetched the entry');
  else assert.ok(entry.includes(`BOOTIF=01-${dashed(boot)}`), `BOOTIF names the boot NIC:\n${entry}`);
  for (const mac of others) assert.ok(!entry.includes(`BOOTIF=01-${dashed(mac)}`));
  if (c.kind === 'autoyast') assert.ok(entry.includes(`netdevice=${boot}`), entry);
  if (c.kind !== 'kickstart') return undefined;
  if (c.legacy) return void assert.ok(entry.includes(`ksdevice=${boot}`), entry);
  const name = /ip=([a-z0-9]+):dhcp/.exec(entry)?.[1];
  assert.ok(name && entry.includes(`ifname=${name}:${boot}`), `ip=<name>:dhcp is the NIC named for ${boot}:\n${entry}`);
  return name;
}

function answerNames(c: Case, answer: string, boot: string, pinned: string | undefined): void {
  assert.ok(answer.includes(`boot NIC ${boot}: the NIC this job's boot entry was served to`), answer.slice(0, 1200));
  assert.doesNotMatch(answer, /PREVIEW/);
  switch (c.kind) {
    case 'preseed':
      return assert.ok(answer.includes(`the one the machine booted from, MAC ${boot}:`));
    case 'kickstart':
      if (c.legacy) return;
      return assert.match(answer, new RegExp(`^network --bootproto=dhcp --device=${pinned} --activate `, 'm'));
    case 'autoyast': {
      const name = /<interface>\s*<name>([a-z0-9]+)<\/name>\s*<bootproto>dhcp<\/bootproto>/.exec(answer)?.[1];
      return assert.match(answer, new RegExp(`<name>${name}</name>\\s*<rule>ATTR\\{address\\}</rule>\\s*<value>${boot}</value>`));
    }
    case 'autoinstall': {
      const eth = (parseYaml(answer) as { autoinstall: { network: { ethernets: Record<string, { match: { macaddress: string }; dhcp4: boolean }> } } })
        .autoinstall.network.ethernets;
      return assert.deepEqual(
        Object.values(eth)
          .filter((e) => e.dhcp4)
          .map((e) => e.match.macaddress),
        [boot],
      );
    }
  }
}

function postNames(c: Case, post: string, boot: string, pinned: string | undefined): void {
  assert.ok(post.includes(`# boot NIC ${boot}: the NIC this job's boot entry was served to`), post.slice(0, 600));
  if (c.legacy) return;
  const marked = [...post.matchAll(/# Written by dploy: (\S+) is the NIC with MAC (\S+) \(boot NIC\)\./g)].map((m) => ({ name: m[1], mac: m[2] }));
  assert.equal(marked.length, 1, 'one NIC, and only one, is the boot NIC');
  assert.equal(marked[0]!.mac, boot);
  if (pinned) assert.equal(marked[0]!.name, pinned, 'the installed system names the boot NIC as the installer did');
}

for (const c of CASES) {
  test(`${c.distro} ${c.release} (${c.kind}${c.legacy ? ', ksdevice' : ''}), ${c.boot.how}: entry, answer file and post script name that NIC`, async () => {
    const boot = c.machine.nics[c.boot.nic - 1]!;
    const others = c.machine.nics.filter((mac) => mac !== boot);
    const id = hostIds.get(c)!;

    const preview = await dploy('render', String(id), 'answer');
    assert.ok(
      preview.includes(`boot NIC ${c.machine.nics[0]}: seen at boot. PREVIEW`),
      'before it boots, the answer is a preview on the NIC seen at discovery',
    );

    const entry = await c.boot.fetch(boot);
    assert.ok(entry, `an entry for ${boot}; dploy's log ends:\n${serve.output().slice(-1500)}`);
    const pinned = entryNames(c, entry, boot, others);
    const token = /\/answers\/([A-Za-z0-9_-]{16,64})/.exec(entry)?.[1];
    assert.ok(token, `the entry carries the job's answer URL:\n${entry}`);
    const answer = await (await fetch(`${serve.url}/answers/${token}`)).text();
    answerNames(c, answer, boot, pinned);
    postNames(c, await (await fetch(`${serve.url}/answers/${token}/post.sh`)).text(), boot, pinned);
    booted.set(c, boot);
  });
}

test('each machine shows the NIC it booted from as its boot NIC (seen at boot), and each job records it', async () => {
  assert.equal(booted.size, CASES.length, 'every machine booted above');
  const hosts = JSON.parse(await dploy('hosts', 'list', '--json')) as Array<{ id: number; macs: string[]; bootNic: { mac: string; source: string } }>;
  const jobs = JSON.parse(await dploy('jobs', 'list', '--json')) as Array<{ hostId: number; kind: string; bootMac?: string }>;
  for (const [c, boot] of booted) {
    const host = hosts.find((h) => h.id === hostIds.get(c))!;
    assert.deepEqual(
      { mac: host.bootNic.mac, source: host.bootNic.source },
      { mac: boot, source: 'seen' },
      'the boot request replaced the BOOTIF seen at discovery',
    );
    if (c.machine.nics.length === 3) assert.equal(host.macs[0], c.machine.nics[2], 'lshw lists NIC 3 first: its order is not PCI order');
    assert.equal(jobs.find((j) => j.hostId === host.id && j.kind === 'install')?.bootMac, boot, 'the job records the NIC its entry was served to');
  }
});

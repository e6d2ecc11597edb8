// The machine every golden answer file is rendered for: a real lshw inventory
// of a qemu PC with two NICs (e1000 52:54:00:d0:00:01 and rtl8139
// 52:54:00:d0:00:02) and two disks, booting from its SECOND NIC. Its boot
// entry is rendered by the real boot renderer (plugin/boot), which adds BOOTIF.

import { readFileSync } from 'node:fs';
import { renderBootConfig } from '../../../plugin/boot/index.js';
import type { BootLoader } from '../../../plugin/boot/index.js';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { answerData, type AnswerData, type CatalogEntry, mediaKey, parseProfile, renderAnswerData } from '../../../plugin/installers/index.js';
import type { Host } from '../../../plugin/model/host.js';
import type { Job } from '../../../plugin/model/job.js';

export const BASE_URL = 'http://192.0.2.1:8080';
export const FIRST_MAC = '52:54:00:d0:00:01';
export const BOOT_MAC = '52:54:00:d0:00:02';
/** As the job records it once the boot entry was served to BOOT_MAC. */
export const BOOT_NIC = { mac: BOOT_MAC, why: 'boot request' } as const;
export const TOKEN = 'tok_0123456789abcdefghijABCDEFGHIJ';
export const INVENTORY = parseInventory(readFileSync(new URL('../../fixtures/lshw/qemu-seabios-pc.xml', import.meta.url)), 'xml');
export const HOST: Host = {
  id: 7,
  name: 'web07.example.net',
  macs: [BOOT_MAC, FIRST_MAC],
  bootState: { kind: 'install', profile: 'golden' },
  createdAt: new Date('2026-11-22T10:00:00Z'),
  updatedAt: new Date('2026-11-22T10:00:00Z'),
};
export const JOB: Job = {
  id: 42,
  hostId: 7,
  kind: 'install',
  state: 'booting',
  profile: 'golden',
  token: TOKEN,
  attempts: 0,
  stateEnteredAt: new Date('2026-11-22T10:00:00Z'),
  createdAt: new Date('2026-11-22T10:00:00Z'),
  updatedAt: new Date('2026-11-22T10:00:00Z'),
};
export const ROOT_HASH = '$6$8ZUWv9hHRpZwh0qF$H86d/d7jHknXcnKzTWK.dmd9/UXV4j3JeXHBHw1zfzACFSF4rUZVq4pq5Ad4fyP0FJCGdqMx/33ITrJRI9NoV1';

/** One profile exercising every section; only distro/release/arch change per entry. */
export function goldenProfile(entry: Pick<CatalogEntry, 'distro' | 'release' | 'arch'>, extra: Record<string, unknown> = {}) {
  return parseProfile({
    name: 'golden',
    distro: entry.distro,
    release: entry.release,
    arch: entry.arch,
    timezone: 'Europe/Paris',
    domain: 'example.net',
    rootPasswordHash: ROOT_HASH,
    sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMAeTIsq2MvmTmitKOm4PznNIrs1k3JUU/NU5x0wFfn3 ops@example'],
    users: [
      { name: 'ops', sudo: true, groups: ['adm'], sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMAeTIsq2MvmTmitKOm4PznNIrs1k3JUU/NU5x0wFfn3 ops@example'] },
    ],
    packages: ['vim'],
    repositories: [{ name: 'site-tools', url: 'http://repo.example.net/tools', suite: 'stable main' }],
    partitioning: { scheme: 'lvm' },
    postScripts: [{ name: 'motd', script: 'echo "installed by dploy" > /etc/motd\n' }],
    configManagement: { puppet: { server: 'puppet.example.net', environment: 'production' } },
    ...extra,
  });
}

/** Every release's media counts as imported: the install source is dploy's own mirror. */
export const MIRROR = { baseUrl: `${BASE_URL}/mirror`, has: () => true };

export function dataFor(entry: CatalogEntry, extra: Record<string, unknown> = {}): AnswerData {
  return answerData({
    host: HOST,
    job: JOB,
    profile: goldenProfile(entry, extra),
    inventory: { ...INVENTORY, arch: entry.arch },
    httpBaseUrl: BASE_URL,
    bootNic: BOOT_NIC,
    mirror: MIRROR,
  });
}

export function loaderFor(entry: CatalogEntry): BootLoader {
  if (entry.arch === 'ia64') return 'elilo';
  return entry.arch === 'aarch64' ? 'grub' : 'pxelinux';
}

/** The boot config the machine gets from its second NIC, through the real renderer. */
export async function bootConfigFor(entry: CatalogEntry, data: AnswerData): Promise<string> {
  const loader = loaderFor(entry);
  const text = await renderBootConfig(
    { loader, mac: BOOT_MAC, isDefault: false, directory: '', arch: entry.arch, firmware: loader === 'pxelinux' ? 'bios' : 'uefi' },
    { ...HOST, arch: entry.arch },
    { unknownHost: 'discover', menuTimeoutSeconds: 5 },
    { httpBaseUrl: BASE_URL, image: () => ({ kernel: entry.kernel, initrds: [entry.initrd], args: data.kernelArgs, osFamily: entry.family }) },
  );
  if (text === undefined) throw new Error(`${loader} rendered nothing for ${mediaKey(entry)}`);
  return text;
}

export function answerFor(data: AnswerData): string {
  return renderAnswerData(data, 'answer');
}

// Shared inputs for the boot tests: one machine with two NICs (it boots from
// the second), the site's policy, and BootVariables shaped like the ones the
// installers and discover code will pass.

import assert from 'node:assert/strict';
import type { BootImage, BootPolicy, BootVariables, NetbootState } from '../../../plugin/boot/boot-inputs.js';
import type { BootConfigRequest, BootLoader } from '../../../plugin/boot/boot-request.js';
import { parseIpxeQuery } from '../../../plugin/boot/loaders/index.js';
import { parseBootFileName } from '../../../plugin/boot/request-name.js';
import type { BootState, Host } from '../../../plugin/model/host.js';

export const FIRST_MAC = '52:54:00:12:34:56';
export const BOOT_MAC = '52:54:00:ab:cd:ef';
export const UNKNOWN_MAC = '52:54:00:99:88:77';
export const HOST_UUID = 'b8945908-d6a6-41a9-611d-74a6ab80b83d';
export const HOST_IP = '192.0.2.91';
export const BASE_URL = 'http://192.0.2.10:8080';

export const STATES: Record<BootState['kind'], BootState> = {
  localboot: { kind: 'localboot' },
  discover: { kind: 'discover' },
  rescue: { kind: 'rescue' },
  install: { kind: 'install', profile: 'debian-12-web', jobToken: 'J0b-t0ken' },
  restore: { kind: 'restore', image: 'web01-2026-11-01', jobToken: 'J0b-t0ken' },
};

export function twoNicHost(bootState: BootState = STATES.localboot, extra: Partial<Host> = {}): Host {
  return {
    id: 7,
    name: 'web01',
    macs: [FIRST_MAC, BOOT_MAC],
    uuid: HOST_UUID,
    arch: 'x86_64',
    firmware: 'uefi',
    bootState,
    createdAt: new Date('2026-11-22T10:00:00Z'),
    updatedAt: new Date('2026-11-22T10:00:00Z'),
    ...extra,
  };
}

export const POLICY: BootPolicy = { unknownHost: 'discover', menuTimeoutSeconds: 5 };

const MINDI = { kernel: 'mindi/vmlinuz', initrds: ['mindi/initrd.img'] };

function imageFor(state: NetbootState, hostName: string): BootImage {
  const token = 'jobToken' in state ? (state.jobToken ?? 'none') : 'none';
  switch (state.kind) {
    case 'discover':
      return { ...MINDI, args: [`dploy.url=${BASE_URL}`, 'dploy.token=d1sc0ver', 'console=tty0'] };
    case 'rescue':
      return { ...MINDI, args: [`dploy.url=${BASE_URL}`, 'dploy.mode=rescue', 'console=tty0'] };
    case 'restore':
      return { ...MINDI, args: [`dploy.url=${BASE_URL}`, `dploy.token=${token}`, `dploy.restore=${state.image}`] };
    case 'install':
      return {
        kernel: 'installers/debian-12/linux',
        initrds: ['installers/debian-12/initrd.gz', 'installers/debian-12/firmware.cpio.gz'],
        args: ['auto=true', 'priority=critical', `url=${BASE_URL}/answers/${token}/preseed.cfg`, `hostname=${hostName}`],
        osFamily: 'debian',
      };
  }
}

/** Variables whose install args carry the host name, the untrusted part. */
export function variables(overrides: Partial<BootImage> = {}): BootVariables {
  return {
    httpBaseUrl: BASE_URL,
    image: (state, context) => ({ ...imageFor(state, context.host?.name ?? 'unknown'), ...overrides }),
  };
}

/** The request each loader sends for the machine booting from the given NIC. */
export function requestFor(loader: BootLoader, mac: string): BootConfigRequest {
  const dashed = mac.replace(/:/g, '-');
  const names: Record<Exclude<BootLoader, 'ipxe'>, string> = {
    pxelinux: `pxelinux.cfg/01-${dashed}`,
    grub: `/grub/grub.cfg-01-${dashed}`,
    elilo: `${mac.toUpperCase()}.conf`,
  };
  const request = loader === 'ipxe' ? parseIpxeQuery(new URLSearchParams({ mac, arch: 'x86_64', platform: 'efi' })) : parseBootFileName(names[loader]);
  assert.ok(request);
  return request;
}

// The public face of a Host, shared by the JSON API and `--json` CLI output so
// scripts see the same shape everywhere.

import { describeBootNic, hostBootNic, type BootNicWhy } from './boot-nic.js';
import type { Host } from './host.js';

export interface HostView {
  id: number;
  name: string;
  macs: string[];
  uuid: string | null;
  serial: string | null;
  arch: string | null;
  firmware: string | null;
  bmcAddress: string | null;
  /** The NIC it network-boots from and why dploy thinks so (model/boot-nic.ts). */
  bootNic: { mac: string; source: BootNicWhy; why: string } | null;
  bootState: string;
  status: string | null;
  createdAt: string;
  updatedAt: string;
}

export function hostView(host: Host): HostView {
  const state = host.bootState;
  const nic = hostBootNic(host);
  const bootState = state.kind === 'install' ? `install:${state.profile}` : state.kind === 'restore' ? `restore:${state.image}` : state.kind;
  return {
    id: host.id,
    name: host.name,
    macs: host.macs,
    uuid: host.uuid ?? null,
    serial: host.serial ?? null,
    arch: host.arch ?? null,
    firmware: host.firmware ?? null,
    bmcAddress: host.bmcAddress ?? null,
    bootNic: nic ? { mac: nic.mac, source: nic.why, why: describeBootNic(nic) } : null,
    bootState,
    status: host.status ?? null,
    createdAt: host.createdAt.toISOString(),
    updatedAt: host.updatedAt.toISOString(),
  };
}

// Rows of dploy_hosts/dploy_host_macs <-> the Host model.

import type { BootState, Firmware, Host } from '../model/host.js';
import type { Architecture } from '../model/inventory.js';

export interface HostRow {
  id: number;
  name: string;
  uuid: string | null;
  serial: string | null;
  arch: string | null;
  firmware: string | null;
  bmc_address: string | null;
  boot_state: string;
  boot_profile: string | null;
  boot_image: string | null;
  task: string | null;
  task_profile: string | null;
  task_set_at: Date | string | null;
  status: string | null;
  platform_ref: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  /** The boot NIC when dploy was told it; how, in boot_mac_source ('seen', 'manual'). */
  boot_mac: string | null;
  boot_mac_source: string | null;
}

/** A new host's row: localboot, no task, no boot NIC; `set` holds what the caller knows (identity, BMC, platform link). */
export function newHostRow(name: string, now: Date, set: Partial<Omit<HostRow, 'id' | 'name' | 'created_at' | 'updated_at'>> = {}): Omit<HostRow, 'id'> {
  return {
    name,
    uuid: null,
    serial: null,
    arch: null,
    firmware: null,
    bmc_address: null,
    boot_state: 'localboot',
    boot_profile: null,
    boot_image: null,
    task: null,
    task_profile: null,
    task_set_at: null,
    status: null,
    platform_ref: null,
    boot_mac: null,
    boot_mac_source: null,
    ...set,
    created_at: now,
    updated_at: now,
  };
}

export interface HostMacRow {
  mac: string;
  host_id: number;
  position: number;
  interface: string | null;
}

export function hostFromRow(row: HostRow, macs: HostMacRow[]): Host {
  const host: Host = {
    id: Number(row.id),
    name: row.name,
    macs: macs.sort((a, b) => a.position - b.position).map((m) => m.mac),
    bootState: bootStateFromRow(row),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
  if (row.uuid) host.uuid = row.uuid.trim();
  if (row.serial) host.serial = row.serial;
  if (row.arch) host.arch = row.arch as Architecture;
  if (row.firmware) host.firmware = row.firmware as Firmware;
  if (row.bmc_address) host.bmcAddress = row.bmc_address;
  if (row.status) host.status = row.status;
  if (row.boot_mac) host.bootNic = { mac: row.boot_mac, source: row.boot_mac_source === 'manual' ? 'manual' : 'seen' };
  return host;
}

function bootStateFromRow(row: HostRow): BootState {
  switch (row.boot_state) {
    case 'discover':
      return { kind: 'discover' };
    case 'rescue':
      return { kind: 'rescue' };
    case 'install':
      return { kind: 'install', profile: row.boot_profile ?? '' };
    case 'restore':
      return { kind: 'restore', image: row.boot_image ?? '' };
    default:
      return { kind: 'localboot' };
  }
}

/** SQLite hands back the UTC text typeorm wrote; the servers hand back Dates. */
export function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

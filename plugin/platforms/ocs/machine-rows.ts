// The OCS rows for a machine dploy discovered: what OCS's communication
// server would write for the same hardware reported by its agent
// (Apache::Ocsinventory::Map: hardware, bios, cpus, memories, storages,
// networks), so the console shows a discovered machine like any other.
// Pure: no database here, the writer puts the rows in place.

import type { Inventory } from '../../model/inventory.js';
import { COMPUTER_TABLES, type ComputerTable } from './ocs-columns.js';

/** Map.pm section masks; hardware.CHECKSUM says which sections this inventory carried. */
export const SECTION_MASK = { hardware: 1, bios: 2, memories: 4, storages: 256, networks: 4096, cpus: 262144 } as const;
export const DPLOY_CHECKSUM = Object.values(SECTION_MASK).reduce((a, b) => a | b, 0);
/** hardware.CHECKSUM's column default; OCS's server ORs the agent's mask into it (Update/Hardware.pm). */
export const OCS_DEFAULT_CHECKSUM = 262143;

type Section = Exclude<ComputerTable, 'hardware' | 'accountinfo'>;
/**
 * Every column of a section row (ocs-columns.ts) with what an absent value is
 * written as, as OCS's server writes a field its agent left out: '' for text
 * and 0 for a number, never NULL (checked row by row in
 * test/integration/ocs/parity.test.ts). Computed once, used for every row.
 */
const SECTION_COLUMNS = Object.fromEntries(
  (['bios', 'cpus', 'memories', 'storages', 'networks'] as const).map((section) => {
    const { needed, filled } = COMPUTER_TABLES[section];
    const columns = [...Object.entries(needed), ...Object.entries(filled)].filter(([column]) => column !== 'HARDWARE_ID');
    return [section, columns.map(([column, { kind }]) => [column, kind === 'int' ? 0 : ''] as const)];
  }),
) as unknown as Record<Section, ReadonlyArray<readonly [string, string | number]>>;

function complete(section: Section, row: Row): Row {
  const full: Row = {};
  for (const [column, absent] of SECTION_COLUMNS[section]) full[column] = row[column] ?? absent;
  return full;
}

type Row = Record<string, string | number | null>;

export interface OcsMachineRows {
  hardware: Row;
  bios: Row;
  cpus: Row[];
  memories: Row[];
  storages: Row[];
  networks: Row[];
}

const MIB = 1024 * 1024;
/** OCS columns are VARCHAR(255); longer vendor strings are cut, never refused. */
// ocsweb's tables are utf8mb3: characters outside the BMP (emoji in a
// vendor string) would be refused by MariaDB, so they become '?'.
const text = (v: string | undefined, max = 255): string | null =>
  v === undefined || v === '' ? null : v.replace(/[\u{10000}-\u{10FFFF}]/gu, '?').slice(0, max);
const int = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : Math.round(v));

/** DEVICEID as OCS agents build it: <name>-YYYY-MM-DD-HH-MM-SS. */
export function deviceId(name: string, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${name}-${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}-${p(at.getUTCHours())}-${p(at.getUTCMinutes())}-${p(at.getUTCSeconds())}`;
}

/**
 * The NAME column: the short host name, which is what the agent of the
 * installed system reports (OCS's duplicate merge compares NAME, serial and
 * MACs, so this must be the name the machine will carry).
 */
export function ocsName(hostName: string): string {
  return hostName.split('.')[0]!;
}

export function machineRows(inventory: Inventory, hostName: string, userAgent: string, remoteAddress?: string): OcsMachineRows {
  const cpu = inventory.cpus[0];
  const physicalNics = inventory.nics.filter((n) => !n.virtual);
  return {
    hardware: {
      NAME: ocsName(hostName),
      PROCESSORT: text(cpu?.model),
      PROCESSORS: int(cpu?.mhz) ?? 0,
      PROCESSORN: inventory.cpus.length || null,
      MEMORY: Math.round(inventory.memoryBytes / MIB),
      ARCH: inventory.arch === 'unknown' ? null : inventory.arch.slice(0, 10),
      UUID: text(inventory.system.uuid),
      USERAGENT: userAgent.slice(0, 50),
      // The address the inventory came from, as OCS's server records its agents' (IPSRC).
      IPSRC: text(remoteAddress?.replace(/^::ffff:/, '')),
      SWAP: 0,
      TYPE: 0,
      DESCRIPTION: text(`${inventory.arch}/discovered by dploy (${inventory.source})`),
    },
    bios: complete('bios', {
      SMANUFACTURER: text(inventory.system.vendor),
      SMODEL: text(inventory.system.product),
      SSN: text(inventory.system.serial),
      TYPE: text(inventory.system.chassis),
      BMANUFACTURER: text(inventory.firmware.vendor),
      BVERSION: text(inventory.firmware.version),
      BDATE: text(inventory.firmware.date),
    }),
    cpus: inventory.cpus.map((c) =>
      complete('cpus', {
        MANUFACTURER: text(c.vendor),
        TYPE: text(c.model),
        SPEED: c.mhz === undefined ? null : String(Math.round(c.mhz)),
        CURRENT_SPEED: c.mhz === undefined ? null : String(Math.round(c.mhz)),
        CORES: int(c.cores),
        LOGICAL_CPUS: int(c.threads),
        DATA_WIDTH: int(c.width),
        CPUARCH: inventory.arch === 'unknown' ? null : inventory.arch,
        SOCKET: text(c.socket),
      }),
    ),
    memories: inventory.memoryBanks.map((m, i) =>
      complete('memories', {
        CAPTION: text(m.slot),
        DESCRIPTION: text(m.type),
        CAPACITY: Math.round(m.sizeBytes / MIB),
        PURPOSE: 'System Memory',
        TYPE: text(m.type),
        SPEED: m.mhz === undefined ? null : String(Math.round(m.mhz)),
        NUMSLOTS: i + 1,
        SERIALNUMBER: text(m.serial),
      }),
    ),
    storages: inventory.disks.map((d) =>
      complete('storages', {
        MANUFACTURER: text(d.vendor),
        NAME: text(d.logicalName?.replace(/^\/dev\//, '')),
        MODEL: text(d.model),
        DESCRIPTION: text(d.removable ? `${d.media} (removable)` : d.media),
        TYPE: d.media === 'cdrom' ? 'CD-ROM' : 'disk',
        DISKSIZE: d.sizeBytes === undefined ? null : Math.round(d.sizeBytes / MIB),
        SERIALNUMBER: text(d.serial),
      }),
    ),
    networks: physicalNics.map((n) =>
      complete('networks', {
        DESCRIPTION: text(n.logicalName ?? n.product),
        TYPE: 'Ethernet',
        SPEED: n.speedMbps === undefined ? null : n.speedMbps >= 1000 ? `${n.speedMbps / 1000} Gb/s` : `${n.speedMbps} Mb/s`,
        MACADDR: n.mac,
        STATUS: n.link === undefined ? null : n.link ? 'Up' : 'Down',
        VIRTUALDEV: 0,
      }),
    ),
  };
}

// The hardware summary an operator reads in `dploy hosts show` and the API.

import type { Inventory } from './inventory.js';

export interface HardwareView {
  vendor: string | null;
  product: string | null;
  /** SMBIOS SKU number, which lshw appends to the product and dploy keeps apart. */
  sku: string | null;
  serial: string | null;
  uuid: string | null;
  arch: string;
  firmware: string | null;
  cpuSockets: number;
  cpuModel: string | null;
  cores: number | null;
  threads: number | null;
  memoryBytes: number;
  disks: Array<{ name: string | null; sizeBytes: number | null; model: string | null; serial: string | null; media: string }>;
  nics: Array<{ name: string | null; mac: string; driver: string | null; speedMbps: number | null; link: boolean | null }>;
}

export function hardwareView(inv: Inventory): HardwareView {
  const sum = (values: Array<number | undefined>) => (values.every((v) => v !== undefined) && values.length > 0 ? values.reduce((a, b) => a! + b!, 0)! : null);
  return {
    vendor: inv.system.vendor ?? null,
    product: inv.system.product ?? null,
    sku: inv.system.sku ?? null,
    serial: inv.system.serial ?? null,
    uuid: inv.system.uuid ?? null,
    arch: inv.arch,
    firmware: [inv.firmware.vendor, inv.firmware.version, inv.firmware.date].filter(Boolean).join(' ') || null,
    cpuSockets: inv.cpus.length,
    cpuModel: inv.cpus[0]?.model ?? null,
    cores: sum(inv.cpus.map((c) => c.cores)),
    threads: sum(inv.cpus.map((c) => c.threads)),
    memoryBytes: inv.memoryBytes,
    disks: inv.disks.map((d) => ({
      name: d.logicalName ?? null,
      sizeBytes: d.sizeBytes ?? null,
      model: d.model ?? null,
      serial: d.serial ?? null,
      media: d.media,
    })),
    nics: inv.nics
      .filter((n) => !n.virtual)
      .map((n) => ({ name: n.logicalName ?? null, mac: n.mac, driver: n.driver ?? null, speedMbps: n.speedMbps ?? null, link: n.link ?? null })),
  };
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

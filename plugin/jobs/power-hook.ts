// The jobs' way to a host's BMC: the stored address (or the group's defaults), the password opened
// from its sealed form at the moment of the command, one PowerControl (one
// queue per BMC) and one boot-wave count for the whole process, sized from
// what the boot services of this process measured (BootLoad) when it has them.

import type { EntityManager } from 'typeorm';
import type { Host } from '../model/host.js';
import { openSecretBox, type SecretBox } from '../secret-box.js';
import { openBmc } from '../power/bmc-credentials.js';
import {
  BootWaves,
  DEFAULT_POWER_POLICY,
  POWER_DRIVERS,
  PowerControl,
  type PowerDriverName,
  type PowerDrivers,
  type PowerPolicies,
  type PowerPolicy,
  type ServedPeak,
  type WavePolicy,
} from '../power/index.js';
import { resolveHostBmc } from '../power/bmc-resolve.js';
import { findHost } from '../store/hosts.js';
import type { PowerHook } from './kinds/power.js';

export interface PowerHookOptions {
  /** One for every driver, or one per driver (power.ipmi, power.redfish, power.ribcl). */
  policy?: PowerPolicy | PowerPolicies;
  /** A PowerControl of the caller's (tests with their own drivers); else one over every registered driver. */
  control?: PowerControl;
  /** Boot waves (power.wave*); none: every boot powers at once. */
  waves?: WavePolicy;
  /** The boot services' measure and a machine's fetch size: `dploy serve` has them, a runner alone (`dploy runner`) not. */
  load?: BootLoad;
}

/** What boot waves are sized from (docs/power.md): built by the composition root from the TFTP and HTTP services. */
export interface BootLoad {
  /** The busiest rate the boot services served lately (plugin/power/served-rate.ts). */
  peak(): ServedPeak | undefined;
  /** Bytes the host's boot entry makes it fetch, as it stands now; undefined when not known. */
  fetchBytes(db: EntityManager, host: Host): Promise<number | undefined>;
}

export function powerHook(secretKeyFile: string, o: PowerHookOptions = {}): PowerHook {
  // Opened on first use: a site without BMCs never needs the key file for power.
  let box: SecretBox | undefined;
  return {
    control: o.control ?? new PowerControl(everyDriver(), o.policy ?? DEFAULT_POWER_POLICY),
    ...(o.waves ? { waves: new BootWaves(o.waves, o.load ? () => o.load!.peak() : undefined) } : {}),
    ...(o.load ? { fetchBytes: (db: EntityManager, host: Host) => o.load!.fetchBytes(db, host) } : {}),
    async bmcOf(db, hostId) {
      // The host's own BMC, else its address with its group's defaults (power/bmc-resolve.ts).
      const host = await findHost(db, hostId);
      const resolved = host ? await resolveHostBmc(db, host) : undefined;
      if (!resolved) return undefined;
      box ??= openSecretBox(secretKeyFile);
      return openBmc(resolved.stored, box);
    },
  };
}

/** One of each registered driver: a new driver's registry line is all it takes to reach the jobs. */
function everyDriver(): PowerDrivers {
  return Object.fromEntries((Object.keys(POWER_DRIVERS) as PowerDriverName[]).map((name) => [name, POWER_DRIVERS[name]()]));
}

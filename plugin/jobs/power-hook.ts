// The jobs' way to a host's BMC: the stored address, the password opened
// from its sealed form at the moment of the command, one PowerControl (one
// queue per BMC) and one boot-wave count for the whole process.

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
  type WavePolicy,
} from '../power/index.js';
import { readHostBmc } from '../store/host-bmcs.js';
import type { PowerHook } from './kinds/power.js';

export interface PowerHookOptions {
  /** One for every driver, or one per driver (power.ipmi, power.redfish, power.ribcl). */
  policy?: PowerPolicy | PowerPolicies;
  /** A PowerControl of the caller's (tests with their own drivers); else one over every registered driver. */
  control?: PowerControl;
  /** Boot waves (power.waveSize, power.waveIntervalSeconds); none: every boot powers at once. */
  waves?: WavePolicy;
}

export function powerHook(secretKeyFile: string, o: PowerHookOptions = {}): PowerHook {
  // Opened on first use: a site without BMCs never needs the key file for power.
  let box: SecretBox | undefined;
  return {
    control: o.control ?? new PowerControl(everyDriver(), o.policy ?? DEFAULT_POWER_POLICY),
    ...(o.waves ? { waves: new BootWaves(o.waves) } : {}),
    async bmcOf(db, hostId) {
      const stored = await readHostBmc(db, hostId);
      if (!stored) return undefined;
      box ??= openSecretBox(secretKeyFile);
      return openBmc(stored, box);
    },
  };
}

/** One of each registered driver: a new driver's registry line is all it takes to reach the jobs. */
function everyDriver(): PowerDrivers {
  return Object.fromEntries((Object.keys(POWER_DRIVERS) as PowerDriverName[]).map((name) => [name, POWER_DRIVERS[name]()]));
}

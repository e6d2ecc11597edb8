// The jobs' way to a host's BMC: the stored address, the password opened
// from its sealed form at the moment of the command, one PowerControl (one
// queue per BMC) for the whole process.

import { openSecretBox, type SecretBox } from '../secret-box.js';
import { openBmc } from '../power/bmc-credentials.js';
import { DEFAULT_POWER_POLICY, POWER_DRIVERS, PowerControl, type PowerPolicy } from '../power/index.js';
import { readHostBmc } from '../store/host-bmcs.js';
import type { PowerHook } from './kinds/power.js';

export function powerHook(secretKeyFile: string, policy: PowerPolicy = DEFAULT_POWER_POLICY, control?: PowerControl): PowerHook {
  // Opened on first use: a site without BMCs never needs the key file for power.
  let box: SecretBox | undefined;
  return {
    control: control ?? new PowerControl({ ipmi: POWER_DRIVERS.ipmi(), redfish: POWER_DRIVERS.redfish() }, policy),
    async bmcOf(db, hostId) {
      const stored = await readHostBmc(db, hostId);
      if (!stored) return undefined;
      box ??= openSecretBox(secretKeyFile);
      return openBmc(stored, box);
    },
  };
}

// The power capability: one small interface (driver.ts), one file per BMC
// protocol, and this registry. Adding a driver is one folder and one line here.

import { createIpmiDriver, type IpmiToolPaths } from './ipmi/ipmi-driver.js';
import { createRedfishDriver } from './redfish/redfish-driver.js';
import { createRibclDriver } from './ribcl/ribcl-driver.js';
import type { PowerDriver, PowerDriverName } from './driver.js';

export type { BmcTarget, DriverSetting, Firmware, PowerAction, PowerDriver, PowerDriverName, PowerState } from './driver.js';
export { bmcKey } from './driver.js';
export { PowerControl, type PowerDrivers, type PowerOutcome } from './power-control.js';
export { DEFAULT_POWER_POLICY, policiesFromSettings, verifyWaits, type DriverPolicySettings, type PowerPolicies, type PowerPolicy } from './power-policy.js';
export { BmcQueue, REAL_CLOCK, type Clock } from './bmc-queue.js';
export { BootWaves, type WavePolicy, type WaveSlot } from './boot-waves.js';
export { ServedRate, type ServedTotals } from './served-rate.js';
export { waveSize, megabytes, WAVE_BOUND_DEFAULTS, type ServedPeak, type WaveBounds, type WaveSize } from './wave-size.js';

export const POWER_DRIVERS: Record<PowerDriverName, (paths?: IpmiToolPaths) => PowerDriver> = {
  ipmi: createIpmiDriver,
  redfish: createRedfishDriver,
  ribcl: createRibclDriver,
};

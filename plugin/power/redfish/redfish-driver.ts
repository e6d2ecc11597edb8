// Redfish (DMTF DSP0266): ComputerSystem.Reset with a ResetType the BMC lists
// in its AllowableValues, one-time boot override by PATCH with If-Match when
// the BMC gives an ETag, and a re-read after the PATCH because some BMCs
// accept the override and silently drop it.

import { DployError } from '../../errors.js';
import { bmcKey, type BmcTarget, type DriverSetting, type Firmware, type PowerAction, type PowerDriver, type PowerState } from '../driver.js';
import { redfishTransport } from './redfish-http.js';

const SETTINGS: readonly DriverSetting[] = [
  { name: 'address', label: 'BMC address', secret: false },
  { name: 'port', label: 'HTTPS port', secret: false, default: '443' },
  { name: 'user', label: 'BMC user', secret: false },
  { name: 'password', label: 'BMC password', secret: true },
];

/** Preferred ResetTypes per action, best first (DSP2046 ResetType enum). */
const RESET_TYPES: Record<PowerAction, readonly string[]> = {
  on: ['On', 'ForceOn'],
  off: ['ForceOff', 'GracefulShutdown'],
  cycle: ['PowerCycle', 'ForceRestart'],
  reset: ['ForceRestart', 'GracefulRestart'],
};

interface ResetAction {
  target: string;
  'ResetType@Redfish.AllowableValues'?: string[];
}

export function createRedfishDriver(): PowerDriver {
  const systems = new Map<string, string>();
  // One kept-open connection per BMC, for this driver's life.
  const redfishCall = redfishTransport();

  /** The first ComputerSystem, found from the service root once per BMC. */
  async function systemPath(bmc: BmcTarget, budgetMs: number): Promise<string> {
    const known = systems.get(bmcKey(bmc));
    if (known) return known;
    const root = await redfishCall(bmc, 'GET', '/redfish/v1/', budgetMs);
    const collection = (root.body.Systems as { '@odata.id'?: string } | undefined)?.['@odata.id'];
    if (!collection) throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `Redfish ${bmc.address}: the service root lists no Systems`);
    const members = (await redfishCall(bmc, 'GET', collection, budgetMs)).body.Members as Array<{ '@odata.id': string }> | undefined;
    const path = members?.[0]?.['@odata.id'];
    if (!path) throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `Redfish ${bmc.address}: no ComputerSystem in ${collection}`);
    systems.set(bmcKey(bmc), path);
    return path;
  }

  return {
    name: 'redfish',
    settings: SETTINGS,
    missingTools: async () => [],
    async status(bmc, budgetMs): Promise<PowerState> {
      const system = await redfishCall(bmc, 'GET', await systemPath(bmc, budgetMs), budgetMs);
      const state = String(system.body.PowerState ?? '');
      // PoweringOn is not on yet, PoweringOff not off yet: verification waits for the end state.
      if (state === 'On' || state === 'PoweringOff') return 'on';
      if (state === 'Off' || state === 'PoweringOn') return 'off';
      throw new DployError('DPLOY_ERR_BMC', `Redfish ${bmc.address}: unknown PowerState "${state.slice(0, 40)}"`);
    },
    async act(bmc, action, budgetMs) {
      const system = await redfishCall(bmc, 'GET', await systemPath(bmc, budgetMs), budgetMs);
      const reset = (system.body.Actions as Record<string, ResetAction> | undefined)?.['#ComputerSystem.Reset'];
      if (!reset?.target) throw new DployError('DPLOY_ERR_BMC_UNSUPPORTED', `Redfish ${bmc.address}: no ComputerSystem.Reset action`);
      const allowed = reset['ResetType@Redfish.AllowableValues'];
      // Without AllowableValues the schema's values all apply (DSP0266 §7.4.2).
      const type = RESET_TYPES[action].find((t) => !allowed || allowed.includes(t));
      if (!type)
        throw new DployError(
          'DPLOY_ERR_BMC_UNSUPPORTED',
          `Redfish ${bmc.address}: none of ${RESET_TYPES[action].join('/')} in AllowableValues (${allowed?.join(', ')})`,
        );
      await redfishCall(bmc, 'POST', reset.target, budgetMs, { body: { ResetType: type } });
    },
    async pxeOnce(bmc, firmware: Firmware, budgetMs) {
      const path = await systemPath(bmc, budgetMs);
      const before = await redfishCall(bmc, 'GET', path, budgetMs);
      const boot = { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: firmware === 'uefi' ? 'UEFI' : 'Legacy' };
      await redfishCall(bmc, 'PATCH', path, budgetMs, { body: { Boot: boot }, ...(before.etag ? { ifMatch: before.etag } : {}) });
      const after = (await redfishCall(bmc, 'GET', path, budgetMs)).body.Boot as Record<string, unknown> | undefined;
      if (after?.BootSourceOverrideTarget !== 'Pxe' || after?.BootSourceOverrideEnabled !== 'Once') {
        throw new DployError(
          'DPLOY_ERR_BMC',
          `Redfish ${bmc.address}: the BMC accepted the one-time PXE boot but reads back ${String(after?.BootSourceOverrideTarget)}/${String(after?.BootSourceOverrideEnabled)}`,
        );
      }
    },
  };
}

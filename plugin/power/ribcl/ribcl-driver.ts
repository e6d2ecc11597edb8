// HP iLO 2–4 through RIBCL, the iLO's XML scripting interface (HP "iLO
// scripting and command line guide"). Power on is SET_HOST_POWER Yes (the
// virtual power button); off holds the button (HOLD_PWR_BTN: off whatever
// the OS does, as Ironic's iLO driver does); cycle is COLD_BOOT_SERVER (power
// removed, then back), reset is RESET_SERVER (warm). PXE once is
// SET_ONE_TIME_BOOT NETWORK, which has no BIOS/UEFI variant in RIBCL: the
// machine's own boot mode applies.
//
// Whether the iLO takes HTTP (iLO 3/4) or raw XML (iLO 2) is learned on the
// first call and remembered per BMC for the life of the process.

import { DployError } from '../../errors.js';
import { bmcKey, type BmcTarget, type DriverSetting, type PowerAction, type PowerDriver, type PowerState } from '../driver.js';
import { ribclDocument, type RibclCommand } from './ribcl-document.js';
import { attribute, element, readReply, type RibclDocument } from './ribcl-reply.js';
import { exchange, type RibclProtocol } from './ribcl-transport.js';

const SETTINGS: readonly DriverSetting[] = [
  { name: 'address', label: 'iLO address', secret: false },
  { name: 'port', label: 'HTTPS port', secret: false, default: '443' },
  { name: 'user', label: 'iLO user (Virtual Power and Reset privilege)', secret: false },
  { name: 'password', label: 'iLO password', secret: true },
];

const ACTIONS: Record<PowerAction, RibclCommand> = {
  on: { tag: 'SET_HOST_POWER', attributes: { HOST_POWER: 'Yes' } },
  off: { tag: 'HOLD_PWR_BTN' },
  cycle: { tag: 'COLD_BOOT_SERVER' },
  reset: { tag: 'RESET_SERVER' },
};

export function createRibclDriver(): PowerDriver {
  const protocols = new Map<string, RibclProtocol>();

  async function send(bmc: BmcTarget, mode: 'read' | 'write', commands: RibclCommand[], budgetMs: number): Promise<RibclDocument[]> {
    const where = `iLO ${bmc.address}`;
    const document = ribclDocument(bmc.user, bmc.password, mode, commands);
    const key = bmcKey(bmc);
    const started = Date.now();
    let reply = await exchange(bmc, document, protocols.get(key) ?? 'http', budgetMs, where);
    if (reply === 'no-http') {
      reply = await exchange(bmc, document, 'raw', Math.max(1, budgetMs - (Date.now() - started)), where);
      if (reply === 'no-http') throw new DployError('DPLOY_ERR_BMC', `${where}: takes RIBCL neither over HTTP nor raw`);
      protocols.set(key, 'raw');
    } else if (!protocols.has(key)) {
      protocols.set(key, 'http');
    }
    return readReply(reply, where, bmc.password);
  }

  return {
    name: 'ribcl',
    settings: SETTINGS,
    missingTools: async () => [],
    async status(bmc, budgetMs): Promise<PowerState> {
      const documents = await send(bmc, 'read', [{ tag: 'GET_HOST_POWER_STATUS' }], budgetMs);
      const power = documents.map((d) => element(d.text, 'GET_HOST_POWER')).find(Boolean);
      const value = power && attribute(power, 'HOST_POWER');
      if (value === 'ON') return 'on';
      if (value === 'OFF') return 'off';
      throw new DployError('DPLOY_ERR_BMC', `iLO ${bmc.address}: no HOST_POWER ON/OFF in the answer to GET_HOST_POWER_STATUS`);
    },
    async act(bmc, action, budgetMs) {
      await send(bmc, 'write', [ACTIONS[action]], budgetMs);
    },
    async pxeOnce(bmc, _firmware, budgetMs) {
      await send(bmc, 'write', [{ tag: 'SET_ONE_TIME_BOOT', attributes: { VALUE: 'NETWORK' } }], budgetMs);
    },
  };
}

// Which BMC dploy reaches for a host, and where each part of it came from.
// The host's own `hosts set --bmc` is complete and wins whole. Otherwise a
// host that knows where its BMC is (the address the operator gave the host,
// else the one the discovery agent learned) takes driver, user, password,
// port and options from its group's defaults (store/group-bmcs.ts). Nothing
// is mixed field by field: a group's user with another layer's password would
// be a login nobody set.

import type { EntityManager } from 'typeorm';
import { readHostBmc, type StoredBmc } from '../store/host-bmcs.js';
import { groupBmcForHost } from '../store/group-bmcs.js';
import { readLearnedBmc } from '../store/host-bmc-learned.js';
import { defaultBmcPort } from './bmc-address.js';
import { describeBmc } from './bmc-credentials.js';

export interface ResolvedBmc {
  stored: StoredBmc;
  /** host: `hosts set --bmc`; host address: dploy_hosts.bmc_address; inventory: learned by the agent. */
  addressFrom: 'host' | 'host address' | 'inventory';
  /** undefined: the host's own; else the group whose defaults apply. */
  credentialsGroup?: string;
}

export async function resolveHostBmc(db: EntityManager, host: { id: number; bmcAddress?: string }): Promise<ResolvedBmc | undefined> {
  const own = await readHostBmc(db, host.id);
  if (own) return { stored: own, addressFrom: 'host' };
  const learned = host.bmcAddress ? undefined : await readLearnedBmc(db, host.id);
  const address = host.bmcAddress ?? learned?.address;
  if (!address) return undefined;
  const group = await groupBmcForHost(db, host.id);
  if (!group) return undefined;
  return {
    stored: {
      hostId: host.id,
      driver: group.driver,
      address,
      port: group.port ?? defaultBmcPort(group.driver),
      user: group.user,
      passwordSealed: group.passwordSealed,
      ...(group.options ? { options: group.options } : {}),
    },
    addressFrom: host.bmcAddress ? 'host address' : 'inventory',
    credentialsGroup: group.groupName,
  };
}

/** `hosts show`'s line: the BMC, then where the address and the credentials came from. Never the password. */
export function describeResolvedBmc(r: ResolvedBmc): string {
  if (r.addressFrom === 'host') return describeBmc(r.stored);
  const from = `group ${r.credentialsGroup}`;
  const address = r.addressFrom === 'inventory' ? 'learned from inventory' : "the host's BMC address";
  return `${describeBmc(r.stored)}; address ${r.stored.address} (${address}), driver ${r.stored.driver} (${from}), user ${r.stored.user} (${from}), password (${from})`;
}

// The systems a SIM tool ran on (MX_TARGETS, space-separated system names,
// CLI Guide "Target execution environment") as dploy hosts: by the link dploy
// keeps, else by matching the system's facts to dploy's hosts, which links
// them. A system dploy has never seen can only be discovered, and only when
// SIM knows a MAC of it: it is added to dploy from SIM's facts.

import { DployError } from '../../errors.js';
import type { Platform } from '../platform.js';
import type { Store } from '../../store/database.js';
import { listHosts } from '../../store/hosts.js';
import { hostsByLink, linkHost } from '../../store/host-links.js';
import type { MxCli } from './mx-cli.js';
import { hostOfNode } from './node-match.js';
import { nodeIdentity, type SimNode } from './node-list.js';
import { simSystems } from './sim-systems.js';

export function targetNames(mxTargets: string | undefined): string[] {
  const names = (mxTargets ?? '').split(/\s+/).filter(Boolean);
  if (names.length === 0)
    throw new DployError('DPLOY_ERR_INVALID_INPUT', "MX_TARGETS is empty: dploy sim-task is run by dploy's SIM tools, on the systems selected in SIM");
  return [...new Set(names)];
}

export async function resolveTargets(store: Store, platform: Platform, cli: MxCli, names: readonly string[], discover: boolean): Promise<Map<string, number>> {
  const db = store.db.manager;
  const resolved = await hostsByLink(db, names);
  const rest = names.filter((n) => !resolved.has(n));
  if (rest.length === 0) return resolved;
  const nodes = await simSystems(cli).list(rest);
  const hosts = await listHosts(db);
  for (const node of nodes) {
    const host = hostOfNode(node, hosts);
    if (host) {
      await linkHost(db, host.id, node.name);
      resolved.set(node.name, host.id);
    } else if (discover) resolved.set(node.name, (await adopt(platform, node)).id);
    else throw new DployError('DPLOY_ERR_NOT_FOUND', `system ${node.name} is not known to dploy: run "dploy discover" on it first, or let it network-boot`);
  }
  return resolved;
}

/** A system SIM knows and dploy does not, added to dploy so that a discover task can boot it. */
async function adopt(platform: Platform, node: SimNode) {
  const { uuid, serial, macs } = nodeIdentity(node);
  if (macs.length === 0)
    throw new DployError('DPLOY_ERR_NOT_FOUND', `system ${node.name} is not known to dploy and SIM lists no MAC for it: let it network-boot into discovery`);
  return platform.addHost({
    name: node.name.split('.')[0]!.toLowerCase(),
    macs,
    ...(uuid ? { uuid } : {}),
    ...(serial ? { serial } : {}),
    platformRef: node.name,
  });
}

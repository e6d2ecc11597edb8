// Which of SIM's systems is a dploy host: the identity facts first (UUID,
// serial with a MAC, a MAC: dploy's own matching policy), then dploy's mark
// on the system (its host id), then the name. Pure: no I/O.

import { DployError } from '../../errors.js';
import { matchIdentity, type Identity } from '../../inventory/index.js';
import { ATTRIBUTE, nodeIdentity, type SimNode } from './node-list.js';

export interface HostFacts extends Identity {
  id: number;
  name: string;
}

/** The SIM system that is this host, if any; two systems claiming it is a conflict the operator resolves in SIM. */
export function nodeOfHost(host: HostFacts, nodes: readonly SimNode[]): SimNode | undefined {
  const byIdentity = matchIdentity(
    host,
    nodes.map((node, i) => ({ id: i, ...nodeIdentity(node) })),
  );
  if (byIdentity.kind === 'match') return nodes[byIdentity.hostId];
  if (byIdentity.kind === 'conflict') {
    const names = byIdentity.hostIds.map((i) => nodes[i]!.name).join(', ');
    throw new DployError('DPLOY_ERR_CONFLICT', `host ${host.name} matches several systems in SIM (${names}): merge or delete the duplicates in SIM`);
  }
  return nodes.find((n) => n.sw.get(ATTRIBUTE.hostId) === String(host.id)) ?? nodes.find((n) => sameName(n, host.name));
}

/** The dploy host that is this SIM system, among `hosts`. */
export function hostOfNode<T extends HostFacts>(node: SimNode, hosts: readonly T[]): T | undefined {
  const match = matchIdentity(nodeIdentity(node), hosts);
  if (match.kind === 'match') return hosts.find((h) => h.id === match.hostId);
  if (match.kind === 'conflict') throw new DployError('DPLOY_ERR_CONFLICT', `system ${node.name} in SIM: ${match.message}`);
  return hosts.find((h) => sameName(node, h.name));
}

/** A SIM name may be the full host name (web01.example.org) where dploy keeps web01. */
function sameName(node: SimNode, name: string): boolean {
  const short = (s: string | undefined) => s?.toLowerCase().split('.')[0];
  return short(node.name) === name.toLowerCase() || short(node.hostName) === name.toLowerCase();
}

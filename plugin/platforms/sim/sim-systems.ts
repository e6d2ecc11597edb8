// dploy's writes into SIM's systems, all through `mxnode -f` files: a machine
// dploy discovered or was given is added (or, when SIM already has it, marked)
// and linked by the system's name; dploy's status is an sw-attribute of it.

import type { EntityManager } from 'typeorm';
import type { Host } from '../../model/host.js';
import type { Inventory } from '../../model/inventory.js';
import { hostLink, linkHost } from '../../store/host-links.js';
import type { MxCli } from './mx-cli.js';
import { nodeOfHost } from './node-match.js';
import { ATTRIBUTE, readNodeList, writeNodeList, type SimNode } from './node-list.js';

export interface SimSystems {
  /** The host's system in SIM, added or marked when it has none yet; its name. */
  ensure(db: EntityManager, host: Host, inventory?: Inventory): Promise<string>;
  /** Writes dploy's words on the host's system, when it has one. */
  writeStatus(db: EntityManager, hostId: number, status: string): Promise<void>;
  list(names?: readonly string[]): Promise<SimNode[]>;
}

export function simSystems(cli: MxCli): SimSystems {
  const list = async (names: readonly string[] = []) => readNodeList(await cli.run('mxnode', ['-lf', ...names]));
  const modify = (node: SimNode) => cli.withFile('dploy-node.xml', writeNodeList([node]), (file) => cli.run('mxnode', ['-m', '-f', file]));
  const add = async (db: EntityManager, host: Host, inventory?: Inventory): Promise<string> => {
    const linked = await hostLink(db, host.id);
    if (linked) return linked;
    const found = nodeOfHost(host, await list());
    const node = nodeFor(host, inventory, found?.name);
    if (found) await modify(node);
    else await cli.withFile('dploy-node.xml', writeNodeList([node]), (file) => cli.run('mxnode', ['-a', '-f', file]));
    await linkHost(db, host.id, node.name);
    return node.name;
  };
  // A new machine posted several times at once (a storm, an agent's retry) is added to SIM once:
  // the posts of one host share the add under way in this process.
  const adding = new Map<number, Promise<string>>();
  return {
    list,
    ensure(db, host, inventory) {
      let pending = adding.get(host.id);
      if (!pending) {
        pending = add(db, host, inventory).finally(() => adding.delete(host.id));
        adding.set(host.id, pending);
      }
      return pending;
    },
    async writeStatus(db, hostId, status) {
      const name = await hostLink(db, hostId);
      if (name) await modify({ name, hw: new Map(), sw: new Map([[ATTRIBUTE.status, status]]) });
    },
  };
}

/** The system as dploy describes it: its name, identity facts, and dploy's mark. */
function nodeFor(host: Host, inventory: Inventory | undefined, existingName: string | undefined): SimNode {
  const hw = new Map<string, string>();
  if (host.serial) hw.set(ATTRIBUTE.serial, host.serial);
  if (host.uuid) hw.set(ATTRIBUTE.uuid, host.uuid);
  if (inventory?.system.product) hw.set(ATTRIBUTE.product, inventory.system.product);
  if (host.macs.length) hw.set(ATTRIBUTE.macs, host.macs.join(' '));
  const sw = new Map([[ATTRIBUTE.hostId, String(host.id)]]);
  // A system SIM already has keeps its own host name.
  return existingName ? { name: existingName, hw, sw } : { name: host.name, hostName: host.name, hw, sw };
}

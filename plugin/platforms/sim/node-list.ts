// SIM's systems as node XML (nodelist.dtd, published in mxnode(4)): dploy
// reads them from `mxnode -lf` and writes the machines it adds or updates for
// `mxnode -a -f` / `mxnode -m -f`. A node is a name, a host name, a GUID and
// name/value pairs: hw-attribute and sw-attribute (the SIM 6.3/7.0 CLI
// Guide's sample: <hw-attribute name="DeviceType">Server</hw-attribute>).

import { DployError } from '../../errors.js';
import { escapeXml, readXmlElements } from './xml-elements.js';

export interface SimNode {
  name: string;
  hostName?: string;
  guid?: string;
  hw: ReadonlyMap<string, string>;
  sw: ReadonlyMap<string, string>;
}

/**
 * The attribute names dploy writes and reads. SIM's own names for serial,
 * UUID and product were not in the pages of HP's guides read (they show
 * DeviceType, PreferredNodeName, IPAddress, OverallStatus): these are
 * dploy's, and docs/sim.md says to check them with `mxnode -lf` on the CMS.
 */
export const ATTRIBUTE = {
  serial: 'SerialNumber',
  uuid: 'UUID',
  product: 'ProductName',
  macs: 'MACAddress',
  /** dploy's mark on a system it added or linked: its host id. */
  hostId: 'dploy.host-id',
  /** What dploy last said about the machine (its status in dploy's console). */
  status: 'dploy.status',
} as const;

/** A node-list document for mxnode -f; every node has at least its name. */
export function writeNodeList(nodes: readonly SimNode[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<node-list>'];
  for (const node of nodes) {
    const host = node.hostName ? ` host-name="${escapeXml(node.hostName)}"` : '';
    lines.push(`  <node name="${escapeXml(node.name)}"${host}>`);
    for (const [name, value] of node.hw) lines.push(`    <hw-attribute name="${escapeXml(name)}">${escapeXml(value)}</hw-attribute>`);
    for (const [name, value] of node.sw) lines.push(`    <sw-attribute name="${escapeXml(name)}">${escapeXml(value)}</sw-attribute>`);
    lines.push('  </node>');
  }
  lines.push('</node-list>', '');
  return lines.join('\n');
}

/** The nodes of `mxnode -lf` output. A node without a name is named by its host name (both are optional in the DTD). */
export function readNodeList(text: string): SimNode[] {
  const root = readXmlElements(text, 'mxnode -lf');
  if (root.name !== 'node-list') throw new DployError('DPLOY_ERR_SIM_UNAVAILABLE', `mxnode -lf printed <${root.name}>, not the <node-list> of nodelist.dtd`);
  return root.children
    .filter((e) => e.name === 'node')
    .flatMap((e) => {
      const name = e.attributes.get('name') ?? e.attributes.get('host-name');
      if (!name) return [];
      const pairs = (kind: string) =>
        new Map(e.children.filter((c) => c.name === kind && c.attributes.has('name')).map((c) => [c.attributes.get('name')!, c.text.trim()] as const));
      const hostName = e.attributes.get('host-name');
      const guid = e.attributes.get('guid');
      return [{ name, ...(hostName ? { hostName } : {}), ...(guid ? { guid } : {}), hw: pairs('hw-attribute'), sw: pairs('sw-attribute') }];
    });
}

/** The identity facts a node carries, in dploy's terms (MACs space-separated in one attribute). */
export function nodeIdentity(node: SimNode): { uuid?: string; serial?: string; macs: string[] } {
  const uuid = node.hw.get(ATTRIBUTE.uuid);
  const serial = node.hw.get(ATTRIBUTE.serial);
  const macs = (node.hw.get(ATTRIBUTE.macs) ?? '').split(/\s+/).filter(Boolean);
  return { ...(uuid ? { uuid } : {}), ...(serial ? { serial } : {}), macs };
}
